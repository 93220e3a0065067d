import { sql } from 'kysely';
import type { Executor, Trx } from '../../db/database.ts';
import type { NewErrorLogEntryRow } from '../../db/schema/error-log-entries.ts';

/**
 * First key of the two-key advisory lock that serializes writes to one log file. The two-key form
 * lives apart from the one-key form the migration lock uses; the second key is hashtext(path), so
 * two paths that collide only wait for each other, they never mix lines.
 */
const FILE_LOCK_NAMESPACE = 73_190_002;

/** Held until the transaction ends: every process that writes this file waits here. */
export async function lockFile(trx: Trx, path: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${FILE_LOCK_NAMESPACE}::integer, hashtext(${path}))`.execute(trx);
}

/** The file's lines in the order they were accepted. */
export async function fileLines(db: Executor, customerId: string, week: string): Promise<string[]> {
  const rows = await db
    .selectFrom('error_log_entries')
    .select('line')
    .where('customer_id', '=', customerId)
    .where('week', '=', week)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.line);
}

/** Returns the new rows in id order, which is the order they take in the file. */
export async function insertEntries(trx: Trx, rows: NewErrorLogEntryRow[]): Promise<Array<{ id: number; line: string }>> {
  const inserted = await trx.insertInto('error_log_entries').values(rows).returning(['id', 'line']).execute();
  return inserted.sort((a, b) => a.id - b.id);
}

export async function countEntries(db: Executor, customerId: string, week: string): Promise<number> {
  const row = await db
    .selectFrom('error_log_entries')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('customer_id', '=', customerId)
    .where('week', '=', week)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Deletes every entry of the weeks before `week` ("2024-W15" sorts as its week does). */
export async function deleteWeeksBefore(db: Executor, week: string): Promise<number> {
  const result = await db.deleteFrom('error_log_entries').where('week', '<', week).executeTakeFirst();
  return Number(result.numDeletedRows);
}
