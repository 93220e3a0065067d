import { sql } from 'kysely';
import type { Executor, Trx } from '../../db/database.ts';
import type { CompletionRow, NewCompletionRow } from '../../db/schema/completions.ts';
import type { MediaFileRow, NewMediaFileRow } from '../../db/schema/media-files.ts';
import type { NewWorkflowRow, ProcessingStatus, WorkflowRow, WorkflowRowUpdate } from '../../db/schema/workflows.ts';

export function insertWorkflow(trx: Trx, row: NewWorkflowRow): Promise<WorkflowRow> {
  return trx.insertInto('workflows').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function insertCompletions(trx: Trx, rows: NewCompletionRow[]): Promise<void> {
  await trx.insertInto('completions').values(rows).execute();
}

export async function insertMediaFile(trx: Trx, row: NewMediaFileRow): Promise<void> {
  await trx.insertInto('media_files').values(row).execute();
}

/**
 * Claims the idempotency key for `workflowId`, or finds who holds it. A key older than 24 hours is
 * taken over. A concurrent claim of the same key waits on the unique index until the first
 * transaction ends, so two racing requests never both win.
 */
export async function claimIdempotencyKey(
  trx: Trx,
  customerId: string,
  key: string,
  workflowId: string,
  now: Date,
): Promise<{ won: true } | { won: false; workflowId: string }> {
  const claimed = await trx
    .insertInto('idempotency_keys')
    .values({ customer_id: customerId, key, workflow_id: workflowId, created_at: now })
    .onConflict((oc) =>
      oc
        .columns(['customer_id', 'key'])
        .doUpdateSet({ workflow_id: workflowId, created_at: now })
        .where('idempotency_keys.created_at', '<', new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS)),
    )
    .returning('workflow_id')
    .executeTakeFirst();
  if (claimed) return { won: true };
  const holder = await trx
    .selectFrom('idempotency_keys')
    .select('workflow_id')
    .where('customer_id', '=', customerId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return { won: false, workflowId: holder.workflow_id };
}

export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

export async function findFreshIdempotentWorkflowId(db: Executor, customerId: string, key: string, now: Date): Promise<string | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select('workflow_id')
    .where('customer_id', '=', customerId)
    .where('key', '=', key)
    .where('created_at', '>=', new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS))
    .executeTakeFirst();
  return row?.workflow_id;
}

export function findWorkflow(db: Executor, id: string): Promise<WorkflowRow | undefined> {
  return db.selectFrom('workflows').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findWorkflowsByIds(db: Executor, ids: readonly string[]): Promise<WorkflowRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('workflows').selectAll().where('id', 'in', ids).execute();
}

export function lockWorkflow(trx: Trx, id: string): Promise<WorkflowRow | undefined> {
  return trx.selectFrom('workflows').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export interface WorkflowListQuery {
  customerId: string | undefined;
  processingStatus?: ProcessingStatus;
  primaryUserId?: string;
  model?: string;
  /** Rows strictly after this (created_at, id) in newest-first order. */
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** Newest first; (created_at, id) makes the order total, so cursors never skip or repeat a row. */
export function listWorkflows(db: Executor, query: WorkflowListQuery): Promise<WorkflowRow[]> {
  let q = db.selectFrom('workflows').selectAll();
  if (query.customerId) q = q.where('customer_id', '=', query.customerId);
  if (query.processingStatus) q = q.where('processing_status', '=', query.processingStatus);
  if (query.primaryUserId) q = q.where('primary_user_id', '=', query.primaryUserId);
  if (query.model) q = q.where('model', '=', query.model);
  if (query.after) {
    const { createdAt, id } = query.after;
    q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
  }
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
}

/** Applies the patch and bumps the version in one statement. */
export function updateWorkflow(trx: Trx, id: string, patch: WorkflowRowUpdate, now: Date): Promise<WorkflowRow> {
  return trx
    .updateTable('workflows')
    .set({ ...patch, version: sql`version + 1`, updated_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteWorkflow(trx: Trx, id: string): Promise<void> {
  await trx.deleteFrom('workflows').where('id', '=', id).execute();
}

export function completionsOf(db: Executor, workflowIds: readonly string[]): Promise<CompletionRow[]> {
  if (workflowIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('completions').selectAll().where('workflow_id', 'in', workflowIds).orderBy('position').execute();
}

export function mediaFilesOf(db: Executor, workflowIds: readonly string[]): Promise<MediaFileRow[]> {
  if (workflowIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('media_files').selectAll().where('workflow_id', 'in', workflowIds).orderBy('key').execute();
}

/** Notes an object about to be written before the row that owns it; committed on its own. */
export async function markObjectPending(db: Executor, key: string): Promise<void> {
  await db
    .insertInto('pending_objects')
    .values({ key })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

/** The object is owned now (in the owner's transaction) or removed: no longer an orphan candidate. */
export async function clearPendingObject(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('pending_objects').where('key', '=', key).execute();
}

/** Objects noted as pending before `before` whose owner never committed, oldest first. */
export async function findPendingObjectsBefore(db: Executor, before: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('pending_objects')
    .select('key')
    .where('created_at', '<', before)
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.key);
}
