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

/** Uploads never used by a workflow whose URL expired before `before`, oldest first. */
export function findUnusedExpiredBefore(db: Executor, before: Date, limit: number): Promise<UploadRow[]> {
  return db
    .selectFrom('uploads')
    .selectAll()
    .where('consumed_at', 'is', null)
    .where('expires_at', '<', before)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
}

export async function deleteUnusedUpload(db: Executor, id: string): Promise<boolean> {
  const row = await db.deleteFrom('uploads').where('id', '=', id).where('consumed_at', 'is', null).returning('id').executeTakeFirst();
  return row !== undefined;
}
