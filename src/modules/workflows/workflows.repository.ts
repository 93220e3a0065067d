import { type CompiledQuery, type ExpressionBuilder, sql } from 'kysely';
import { type Executor, poolSizeOf, type Trx } from '../../db/database.ts';
import { ReadBatches } from '../../db/read-batches.ts';
import type { CompletionRow, NewCompletionRow } from '../../db/schema/completions.ts';
import type { DB } from '../../db/schema/index.ts';
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

/** A child row as a tree read carries it: without its own id, which no reader of a tree uses. */
export type TreeCompletionRow = Omit<CompletionRow, 'id'>;
export type TreeMediaFileRow = Omit<MediaFileRow, 'id'>;

/** A workflow's row with its completions (pipeline order) and media files (key order), read in one statement. */
export interface WorkflowTree {
  workflow: WorkflowRow;
  completions: TreeCompletionRow[];
  mediaFiles: TreeMediaFileRow[];
}

/**
 * The workflow with its completions and media: one round trip where three were. Reads of the
 * pool asked for while every read slot is busy go out together, as one statement for all their
 * ids (see ReadBatches); a transaction reads on its own.
 */
export async function findWorkflowTree(db: Executor, id: string): Promise<WorkflowTree | undefined> {
  if (db.isTransaction) return (await readTrees(db, [id])).get(id);
  let reads = treeReads.get(db);
  if (!reads) {
    reads = new ReadBatches({
      slots: treeReadSlots(db),
      maxPerStatement: MAX_IDS_PER_STATEMENT,
      run: (ids) => readTrees(db, [...ids.keys()]),
    });
    treeReads.set(db, reads);
  }
  return reads.read(id, id);
}

/** The ids of one batched tree read: bounded, so one statement's answer stays small. */
const MAX_IDS_PER_STATEMENT = 100;

async function readTrees(db: Executor, ids: string[]): Promise<Map<string, WorkflowTree>> {
  let compiled = compiledTreeQueries.get(db);
  if (!compiled) {
    compiled = treeQuery(db, ids).compile();
    if (compiled.parameters.length !== 1) throw new Error('the workflow tree query must take the ids as its only parameter');
    compiledTreeQueries.set(db, compiled);
  }
  const { rows } = await db.executeQuery<TreeRow>({ ...compiled, parameters: [ids] });
  return new Map(rows.map((row) => [row.id, toTree(row)]));
}

function treeQuery(db: Executor, ids: string[]) {
  return db
    .selectFrom('workflows')
    .selectAll('workflows')
    .select(childrenOf)
    .where((eb) => eb('id', '=', eb.fn<string>('any', [eb.val(ids)])));
}

type TreeRow = Awaited<ReturnType<ReturnType<typeof treeQuery>['executeTakeFirstOrThrow']>>;

/**
 * The hottest read's SQL never changes, only its one parameter (the ids): building and compiling
 * it took longer than parsing its answer, so it is compiled once per executor.
 */
const compiledTreeQueries = new WeakMap<Executor, CompiledQuery<TreeRow>>();
const treeReads = new WeakMap<Executor, ReadBatches<string, WorkflowTree>>();
const pageReads = new WeakMap<Executor, ReadBatches<WorkflowListQuery, WorkflowTree[]>>();

/**
 * A page of listWorkflows with each workflow's completions and media, in one statement whatever
 * the page size. The same page asked for again while every read slot is busy waits for the one
 * statement that serves them all (see ReadBatches).
 */
export async function listWorkflowTrees(db: Executor, query: WorkflowListQuery): Promise<WorkflowTree[]> {
  const readPage = async (q: WorkflowListQuery) => (await listQuery(db, q).select(childrenOf).execute()).map(toTree);
  if (db.isTransaction) return readPage(query);
  let reads = pageReads.get(db);
  if (!reads) {
    reads = new ReadBatches({
      slots: pageReadSlots(db),
      maxPerStatement: 1,
      // Callers polling the same page share the statement after the one running (see ReadBatches).
      keyAtATime: true,
      // One page a statement (maxPerStatement 1): the batch holds one key, read by all who asked for it.
      run: async (pages) => new Map(await Promise.all([...pages].map(async ([key, page]) => [key, await readPage(page)] as const))),
    });
    pageReads.set(db, reads);
  }
  return (await reads.read(pageKey(query), query)) ?? [];
}

/** Equal for equal queries, whatever the order their fields were set in (the query itself rides along with it). */
function pageKey({ customerId, processingStatus, primaryUserId, model, after, limit }: WorkflowListQuery): string {
  return JSON.stringify([customerId, processingStatus, primaryUserId, model, after?.createdAt.getTime(), after?.id, limit]);
}

/**
 * Tree reads in flight at once: half the pool (batching makes up for fewer statements), the rest
 * of its connections free for the other reads and the writes.
 */
export function treeReadSlots(db: Executor): number {
  return Math.max(1, Math.floor(poolSizeOf(db) / 2));
}

/** Page reads in flight at once: distinct pages cannot share a statement, so all but two connections of the pool. */
export function pageReadSlots(db: Executor): number {
  return Math.max(1, poolSizeOf(db) - 2);
}

/** Newest first; (created_at, id) makes the order total, so cursors never skip or repeat a row. */
function listQuery(db: Executor, query: WorkflowListQuery) {
  let q = db.selectFrom('workflows').selectAll('workflows');
  if (query.customerId) q = q.where('customer_id', '=', query.customerId);
  if (query.processingStatus) q = q.where('processing_status', '=', query.processingStatus);
  if (query.primaryUserId) q = q.where('primary_user_id', '=', query.primaryUserId);
  if (query.model) q = q.where('model', '=', query.model);
  if (query.after) {
    const { createdAt, id } = query.after;
    q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
  }
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit);
}

/**
 * Each workflow's children as JSON arrays (over the workflow_id indexes), ordered as completionsOf
 * and mediaFilesOf order them. Each child is an array of its columns in a fixed order, not an
 * object: a page's answer was half keys, repeated in every child, parsed again on every read.
 */
function childrenOf(eb: ExpressionBuilder<DB, 'workflows'>) {
  const id = eb.ref('workflows.id');
  return [
    sql<
      CompletionTuple[] | null
    >`(SELECT json_agg(json_build_array(${sql.join(COMPLETION_COLUMNS.map((c) => sql.ref(`c.${c}`)))}) ORDER BY c.position)
      FROM completions c WHERE c.workflow_id = ${id})`.as('completion_rows'),
    sql<
      MediaFileTuple[] | null
    >`(SELECT json_agg(json_build_array(${sql.join(MEDIA_FILE_COLUMNS.map((c) => sql.ref(`m.${c}`)))}) ORDER BY m.key)
      FROM media_files m WHERE m.workflow_id = ${id})`.as('media_file_rows'),
  ] as const;
}

const COMPLETION_COLUMNS = ['flow', 'position', 'status', 'attempts', 'started_at', 'completed_at', 'error'] as const;
const MEDIA_FILE_COLUMNS = ['role', 'key', 'content_type', 'size', 'width', 'height', 'duration_ms', 'updated_at'] as const;

/** JSON carries timestamps as strings: toTree makes them the Dates the row types promise. */
type JsonOf<T> = [T] extends [Date] ? string : [T] extends [Date | null] ? string | null : T;
type Tuple<Row, Columns extends readonly (keyof Row)[]> = { [I in keyof Columns]: JsonOf<Row[Columns[I]]> };
type CompletionTuple = Tuple<CompletionRow, typeof COMPLETION_COLUMNS>;
type MediaFileTuple = Tuple<MediaFileRow, typeof MEDIA_FILE_COLUMNS>;

function toTree({
  completion_rows,
  media_file_rows,
  ...workflow
}: WorkflowRow & { completion_rows: CompletionTuple[] | null; media_file_rows: MediaFileTuple[] | null }): WorkflowTree {
  const workflow_id = workflow.id;
  return {
    workflow,
    completions: (completion_rows ?? []).map(([flow, position, status, attempts, startedAt, completedAt, error]) => ({
      workflow_id,
      flow,
      position,
      status,
      attempts,
      started_at: dateOrNull(startedAt),
      completed_at: dateOrNull(completedAt),
      error,
    })),
    mediaFiles: (media_file_rows ?? []).map(([role, key, content_type, size, width, height, duration_ms, updatedAt]) => ({
      workflow_id,
      role,
      key,
      content_type,
      size,
      width,
      height,
      duration_ms,
      updated_at: new Date(updatedAt),
    })),
  };
}

function dateOrNull(value: string | null): Date | null {
  return value === null ? null : new Date(value);
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
