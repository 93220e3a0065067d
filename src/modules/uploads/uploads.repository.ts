import type { Executor, Trx } from '../../db/database.ts';
import type { NewUploadRow, UploadRow } from '../../db/schema/uploads.ts';

export function insertUpload(db: Executor, row: NewUploadRow): Promise<UploadRow> {
  return db.insertInto('uploads').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findUpload(db: Executor, id: string): Promise<UploadRow | undefined> {
  return db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Marks the upload used; false when another request used it first. */
export async function consumeUpload(trx: Trx, id: string, now: Date): Promise<boolean> {
  const row = await trx
    .updateTable('uploads')
    .set({ consumed_at: now })
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Counts a createWorkflow that read the unused upload and failed; a used one is left as it is. */
export async function addFailedAttempt(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('uploads')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .execute();
}

/** Unused uploads whose URL expired before one time, used ones before another, oldest first. */
export function findSweepable(
  db: Executor,
  cutoffs: { unusedExpiredBefore: Date; usedExpiredBefore: Date },
  limit: number,
): Promise<UploadRow[]> {
  return db
    .selectFrom('uploads')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb('consumed_at', 'is', null), eb('expires_at', '<', cutoffs.unusedExpiredBefore)]),
        eb.and([eb('consumed_at', 'is not', null), eb('expires_at', '<', cutoffs.usedExpiredBefore)]),
      ]),
    )
    .orderBy('expires_at')
    .limit(limit)
    .execute();
}

/** Deletes the row if it is still as it was read (used or not): a use in between keeps an unused one. */
export async function deleteUpload(db: Executor, id: string, used: boolean): Promise<boolean> {
  const row = await db
    .deleteFrom('uploads')
    .where('id', '=', id)
    .where('consumed_at', used ? 'is not' : 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** A customer's uploads still waiting to be used with a live URL, and when the first of them expires. */
export async function countPending(db: Executor, customerId: string, now: Date): Promise<{ count: number; nextExpiry: Date | null }> {
  const row = await db
    .selectFrom('uploads')
    .select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.min('expires_at').as('next_expiry')])
    .where('customer_id', '=', customerId)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), nextExpiry: row.next_expiry as Date | null };
}
