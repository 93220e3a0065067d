import { type QueryCreator, sql } from 'kysely';
import { poolPublishesByNotify, publishesByNotify } from '../../db/after-commit.ts';
import type { Database, Trx } from '../../db/database.ts';
import type { FlowName } from '../../db/schema/completions.ts';
import type { DB } from '../../db/schema/index.ts';
import type { NewMediaFileRow } from '../../db/schema/media-files.ts';
import type { ProcessingStatus, WorkflowRow } from '../../db/schema/workflows.ts';
import { finishJobQuery, type JobEnd } from '../../queue/jobs.ts';
import { type ClaimedRun, claimedRunOf, type StartProgress, startProgressArgument } from '../../queue/run-claim.ts';
import { type EndRunStatement, endRunAtOnce, endRunStatement, type RunEnd } from '../../queue/run-lock.ts';
import { announceEnd, type WorkflowEnd, type WorkflowEndListener } from './workflow-ended.ts';
import { notifyWorkflowChanged, notifyWorkflowChangedInSql } from './workflow-events.ts';

// The state changes of a run. Each bumps workflows.version in the same statement, so a
// subscriber that saw version v knows exactly whether anything changed since.

export type RunStateChange = Partial<{
  processing_status: ProcessingStatus;
  error: string | null;
  /** Raised only: the SQL keeps the greater of the old and the new value. */
  progress_at_least: number;
  progress_exactly: number;
}>;

/** Applies the change, bumps the version and tells listeners (on commit). */
export async function changeWorkflow(trx: Trx, workflowId: string, change: RunStateChange): Promise<WorkflowRow> {
  const byNotify = await publishesByNotify(trx);
  const { notified: _, ...row } = await changeQuery(trx, workflowId, change, byNotify).executeTakeFirstOrThrow();
  if (!byNotify) await notifyWorkflowChanged(trx, { workflowId, version: row.version });
  return row;
}

/** How a run ends: its job's end, and the end others are told of. */
export interface RunEnding {
  jobId: string;
  jobStatus: JobEnd;
  jobError: string | null;
  end: Exclude<WorkflowEnd, 'WORKFLOW_DELETED'>;
}

/**
 * changeWorkflow for the change that ends a run, in one statement with the end of its job (the
 * job follows the workflow's status, see queue/jobs.ts) and the question whether anyone listens
 * for that end; if anyone does, the listener is told in the same transaction. The answer is as
 * fresh as a query right after it would be: the statement starts after the locks of the transaction.
 */
export async function endRun(
  trx: Trx,
  workflowId: string,
  change: RunStateChange,
  ending: RunEnding,
  listener: WorkflowEndListener,
): Promise<WorkflowRow> {
  // The CTE's name is never referred to: seen as the plain schema, the creator builds the same UPDATE.
  const creator = trx.with('ended_job', (db) =>
    finishJobQuery(db, ending.jobId, ending.jobStatus, ending.jobError),
  ) as unknown as QueryCreator<DB>;
  const byNotify = await publishesByNotify(trx);
  const {
    notified: _,
    any_listening,
    ...row
  } = await changeQuery(creator, workflowId, change, byNotify)
    .returning(listener.listensFor(ending.end).as('any_listening'))
    .executeTakeFirstOrThrow();
  if (!byNotify) await notifyWorkflowChanged(trx, { workflowId, version: row.version });
  if (any_listening) await announceEnd(trx, listener, ending.end, row);
  return row;
}

/**
 * A run's SUCCESS (its job DONE), in one statement of its own when nobody listens for that end;
 * when someone does, nothing is changed and the caller ends the run with endRun in a transaction.
 * Lost when the job is no longer `workerId`'s. Once ended, the same statement claims and starts up
 * to `claimNext.limit` runs for the slot the run freed (0: none): they are the caller's to run.
 */
export async function endRunUnheard(
  db: Database,
  run: { workflowId: string; customerId: string; jobId: string; workerId: string },
  listener: WorkflowEndListener,
  claimNext?: { limit: number; leaseSeconds: number; startProgress: StartProgress },
): Promise<{ ended: true; version: number; next: ClaimedRun[] } | Extract<RunEnd, { ended: false }>> {
  const notify = await poolPublishesByNotify(db);
  const end = await endRunAtOnce(
    db,
    {
      ...run,
      notify,
      leaseSeconds: claimNext?.leaseSeconds ?? 0,
      next: claimNext?.limit ?? 0,
      // Read only when a claim runs (next > 0).
      startProgress: claimNext ? startProgressArgument(claimNext.startProgress) : '{}',
    },
    endStatementFor(db, listener),
  );
  if (!end.ended) return end;
  const next = end.next.map(claimedRunOf);
  // Outside a transaction, a bus outside PostgreSQL is told at once: the statement has committed.
  // The runs it claimed are told of by whoever runs them (publishRunStarts), once they are launched.
  if (!notify) await notifyWorkflowChanged(db, { workflowId: run.workflowId, version: end.version });
  return { ended: true, version: end.version, next };
}

const endStatements = new WeakMap<WorkflowEndListener, EndRunStatement>();

/** endRunUnheard's statement for this listener, compiled once. */
function endStatementFor(db: Database, listener: WorkflowEndListener): EndRunStatement {
  let statement = endStatements.get(listener);
  if (!statement) {
    statement = endRunStatement(db, listener.listensFor('WORKFLOW_SUCCEEDED'));
    endStatements.set(listener, statement);
  }
  return statement;
}

/** The UPDATE of a change, bumping the version; with `byNotify`, it sends its own message too (one round trip, not two). */
function changeQuery(creator: QueryCreator<DB>, workflowId: string, change: RunStateChange, byNotify: boolean) {
  let progress: ReturnType<typeof sql<number>> | number | undefined;
  if (change.progress_exactly !== undefined) progress = change.progress_exactly;
  else if (change.progress_at_least !== undefined) progress = sql<number>`greatest(progress_percentage, ${change.progress_at_least})`;
  return creator
    .updateTable('workflows')
    .set({
      ...(change.processing_status ? { processing_status: change.processing_status } : {}),
      ...(change.error !== undefined ? { error: change.error } : {}),
      ...(progress !== undefined ? { progress_percentage: progress } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', workflowId)
    .returningAll()
    .returning((byNotify ? notifyWorkflowChangedInSql() : sql`null`).as('notified'));
}

/**
 * Progress inside a flow: written only when it rises and the run is still going. Returns the new
 * version. Where messages go out by NOTIFY, one statement on its own (its NOTIFY leaves at its
 * commit); else a transaction, for the message to leave after the commit.
 */
export async function raiseProgress(db: Database, workflowId: string, percentage: number): Promise<number | undefined> {
  return db.connection().execute(async (connection) => {
    if (await publishesByNotify(connection)) {
      const row = await progressQuery(connection, workflowId, percentage)
        .returning(notifyWorkflowChangedInSql().as('notified'))
        .executeTakeFirst();
      return row?.version;
    }
    return connection.transaction().execute(async (trx) => {
      const row = await progressQuery(trx, workflowId, percentage).executeTakeFirst();
      if (row) await notifyWorkflowChanged(trx, { workflowId, version: row.version });
      return row?.version;
    });
  });
}

function progressQuery(db: QueryCreator<DB>, workflowId: string, percentage: number) {
  return db
    .updateTable('workflows')
    .set({ progress_percentage: percentage, version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', workflowId)
    .where('processing_status', '=', 'PROCESSING')
    .where('progress_percentage', '<', percentage)
    .returning('version');
}

/** The flows a step of a run moves on: the one that `finished` (SUCCESS), the one `started` next (RUNNING). */
export interface FlowMove {
  finished?: FlowName;
  started?: FlowName;
}

/**
 * changeWorkflow with the flows the step moves on, in one statement (one round trip, not three):
 * the flows change in the same transaction and under the same version bump as before, so a
 * watcher still sees each flow's status change. Returns the started flow's attempt, if one started.
 */
export async function moveFlows(trx: Trx, workflowId: string, move: FlowMove, change: RunStateChange): Promise<number | undefined> {
  // As in endRun: the CTEs' names are referred to only in SQL, so the creator is seen as the plain schema.
  let creator: QueryCreator<DB> = trx;
  if (move.finished) {
    const finished = move.finished;
    creator = creator.with('finished_flow', (db) =>
      finishFlowQuery(db, workflowId, finished, { status: 'SUCCESS' }),
    ) as unknown as QueryCreator<DB>;
  }
  if (move.started) {
    const started = move.started;
    creator = creator.with('started_flow', (db) => startFlowQuery(db, workflowId, started)) as unknown as QueryCreator<DB>;
  }
  const byNotify = await publishesByNotify(trx);
  const attempts = move.started ? sql<number | null>`(SELECT attempts FROM started_flow)` : sql<null>`null`;
  const {
    notified: _,
    flow_attempts,
    ...row
  } = await changeQuery(creator, workflowId, change, byNotify).returning(attempts.as('flow_attempts')).executeTakeFirstOrThrow();
  if (move.started && flow_attempts === null) throw new Error(`flow ${move.started} of workflow ${workflowId} not found`);
  if (!byNotify) await notifyWorkflowChanged(trx, { workflowId, version: row.version });
  return flow_attempts ?? undefined;
}

function startFlowQuery(db: QueryCreator<DB>, workflowId: string, flow: FlowName) {
  return db
    .updateTable('completions')
    .set({ status: 'RUNNING', attempts: sql`attempts + 1`, started_at: sql`now()`, completed_at: null, error: null })
    .where('workflow_id', '=', workflowId)
    .where('flow', '=', flow)
    .returning('attempts');
}

type FlowOutcome = { status: 'SUCCESS' } | { status: 'PENDING' | 'FAILED'; error: string; giveBackAttempt?: boolean };

export async function finishFlow(trx: Trx, workflowId: string, flow: FlowName, outcome: FlowOutcome): Promise<void> {
  await finishFlowQuery(trx, workflowId, flow, outcome).execute();
}

function finishFlowQuery(db: QueryCreator<DB>, workflowId: string, flow: FlowName, outcome: FlowOutcome) {
  return db
    .updateTable('completions')
    .set({
      status: outcome.status,
      completed_at: outcome.status === 'PENDING' ? null : sql`now()`,
      error: outcome.status === 'SUCCESS' ? null : outcome.error,
      ...(outcome.status !== 'SUCCESS' && outcome.giveBackAttempt ? { attempts: sql`greatest(attempts - 1, 0)` } : {}),
    })
    .where('workflow_id', '=', workflowId)
    .where('flow', '=', flow);
}

/** A canceled run: the flow it was in goes back to PENDING, so a retry resumes there. */
export async function resetRunningFlows(trx: Trx, workflowId: string, reason: string): Promise<void> {
  await trx
    .updateTable('completions')
    .set({ status: 'PENDING', error: reason, completed_at: null })
    .where('workflow_id', '=', workflowId)
    .where('status', '=', 'RUNNING')
    .execute();
}

/** A retry: failed flows become PENDING with a fresh attempt budget. */
export async function resetFailedFlows(trx: Trx, workflowId: string): Promise<void> {
  await trx
    .updateTable('completions')
    .set({ status: 'PENDING', attempts: 0, error: null, started_at: null, completed_at: null })
    .where('workflow_id', '=', workflowId)
    .where('status', 'in', ['FAILED', 'RUNNING'])
    .execute();
}

/** Records an output; a repeated flow overwrites its object and this row, never duplicates them. */
export async function upsertMediaFile(trx: Trx, row: NewMediaFileRow): Promise<void> {
  await trx
    .insertInto('media_files')
    .values(row)
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        content_type: row.content_type,
        size: row.size,
        width: row.width ?? null,
        height: row.height ?? null,
        duration_ms: row.duration_ms ?? null,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}
