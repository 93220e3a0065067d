import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/** A runner unseen for this long counts as gone: several missed heartbeats, never one late one. */
export const WORKER_ALIVE_SECONDS = 30;

/** Records that this runner is alive (inserting it on its first beat). */
export async function workerHeartbeat(
  db: Executor,
  worker: { id: string; hostname: string; pid: number; concurrency: number },
): Promise<void> {
  await db
    .insertInto('workers')
    .values(worker)
    .onConflict((oc) => oc.column('id').doUpdateSet({ last_seen_at: sql`now()` }))
    .execute();
}

/** A runner that stops says so; rows of runners that died are pruned after a day. */
export async function removeWorker(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('workers').where('id', '=', id).execute();
  await db.deleteFrom('workers').where('last_seen_at', '<', sql<Date>`now() - interval '1 day'`).execute();
}
