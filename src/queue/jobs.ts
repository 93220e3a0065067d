import { CompiledQuery, type QueryCreator, sql } from 'kysely';
import type { Executor, Trx } from '../db/database.ts';
import type { DB } from '../db/schema/index.ts';
import type { JobKind, JobRow } from '../db/schema/jobs.ts';
import { activeTraceparent } from '../tracing/tracing.ts';
import { notifyJobQueued } from './jobs-channel.ts';

// Every statement on the jobs table, one small function per queue operation (graphile-worker's
// habit): the runner's loop and the workflows module hold no SQL of the queue.
//
// Two state machines describe a run, and each has its own job:
// - workflows.processing_status (QUEUED → PROCESSING → SUCCESS | FAILED | CANCELED) is what
//   clients see and what decides. A worker re-reads it before each step and stops when it is
//   no longer QUEUED or PROCESSING.
// - jobs.status (QUEUED → RUNNING → DONE | FAILED | CANCELED, or back to QUEUED on a retry or a
//   release) only schedules: which worker may run the workflow, and when. It follows the
//   workflow's status in the same transaction as every change of it (cancel, retry, delete, a
//   run's end), under the same lock order: the workflow's row, then the job's.
// Where the two disagree (a crash between steps cannot cause it, a hand-edited row can), the
// workflow's status wins: runJob closes a job whose workflow has already ended.
//
// Attempts, likewise: completions.attempts counts the runs of one flow and alone drives retries
// and the "failed after N attempts" message; jobs.attempts counts the claims of the job (a
// takeover after a lost lease counts), for operators who want to see how often a run changed hands.

/** Queues the run of a new workflow and wakes an idle worker (on commit). */
export async function enqueueJob(trx: Trx, workflowId: string): Promise<void> {
  await trx
    .insertInto('jobs')
    .values({ workflow_id: workflowId, trace_parent: activeTraceparent() ?? null })
    .execute();
  await notifyJobQueued(trx, workflowId, 'WORKFLOW_RUN');
}

/** Queues the delivery of a webhook event (a second kind of job) and wakes an idle worker (on commit). */
export async function enqueueDelivery(trx: Trx, deliveryId: string): Promise<void> {
  await trx
    .insertInto('jobs')
    .values({ kind: 'WEBHOOK_DELIVERY', delivery_id: deliveryId, trace_parent: activeTraceparent() ?? null })
    .execute();
  await notifyJobQueued(trx, deliveryId, 'WEBHOOK_DELIVERY');
}

/** A delivery sent again by hand: its job is queued at once, whatever state it ended in. */
export async function requeueDeliveryJob(trx: Trx, deliveryId: string): Promise<void> {
  await trx
    .updateTable('jobs')
    .set({
      status: 'QUEUED',
      run_at: sql`now()`,
      locked_by: null,
      locked_until: null,
      trace_parent: activeTraceparent() ?? null,
      updated_at: sql`now()`,
    })
    .where('delivery_id', '=', deliveryId)
    .execute();
  await notifyJobQueued(trx, deliveryId, 'WEBHOOK_DELIVERY');
}

/** Locks the workflow's job row; taken after the workflow's row, the order every writer follows. */
export async function lockJobOf(trx: Trx, workflowId: string): Promise<void> {
  await trx.selectFrom('jobs').select('id').where('workflow_id', '=', workflowId).forUpdate().execute();
}

/** A cancel or delete: the job ends, and its worker finds it gone at its next heartbeat or write. */
export async function cancelJobOf(trx: Trx, workflowId: string): Promise<void> {
  await trx
    .updateTable('jobs')
    .set({ status: 'CANCELED', locked_by: null, locked_until: null, updated_at: sql`now()` })
    .where('workflow_id', '=', workflowId)
    .execute();
}

/** A retry: the job is queued again at once, with a fresh claim count, and an idle worker woken. */
export async function requeueJobOf(trx: Trx, workflowId: string): Promise<void> {
  await trx
    .updateTable('jobs')
    .set({
      status: 'QUEUED',
      run_at: sql`now()`,
      attempts: 0,
      locked_by: null,
      locked_until: null,
      // The retry's run joins the trace of the request that asked for it.
      trace_parent: activeTraceparent() ?? null,
      updated_at: sql`now()`,
    })
    .where('workflow_id', '=', workflowId)
    .execute();
  await notifyJobQueued(trx, workflowId, 'WORKFLOW_RUN');
}

/**
 * Claims up to `limit` runnable jobs in one statement: queued ones whose time has come, or running
 * ones whose lease ran out (their worker died). SKIP LOCKED lets any number of workers claim at
 * once without waiting on each other or taking the same row.
 */
export async function claimJobs(db: Executor, kind: JobKind, workerId: string, leaseSeconds: number, limit: number): Promise<JobRow[]> {
  const result = await db.executeQuery<JobRow>(CompiledQuery.raw(CLAIM_JOBS, [workerId, leaseSeconds, kind, limit]));
  return result.rows;
}

// ARRAY(...) runs the subquery once, so no plan can claim more than `limit` rows.
//
// The claim commits without waiting for its WAL to reach the disk (synchronous_commit off for its
// own transaction only, the set_config below): a job starts one disk flush sooner. Losing a claim
// to a crash of PostgreSQL is harmless: the job is QUEUED again, and its worker finds it no longer
// its own at its first guarded write or heartbeat. A write of the run that did commit flushed the
// claim's WAL before its own, so no durable step of a run ever rests on a lost claim.
const CLAIM_JOBS = `
  UPDATE jobs SET
    status = 'RUNNING',
    locked_by = $1,
    locked_until = now() + make_interval(secs => $2),
    attempts = attempts + 1,
    updated_at = now()
  WHERE (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL
    AND id = ANY(ARRAY(
    SELECT id FROM jobs
    WHERE kind = $3
      AND ((status = 'QUEUED' AND run_at <= now()) OR (status = 'RUNNING' AND locked_until < now()))
    ORDER BY run_at, id
    FOR UPDATE SKIP LOCKED
    LIMIT $4
  ))
  RETURNING *`;

/** Extends the lease; false when the job is no longer ours (taken over, canceled or deleted). */
export async function renewLease(db: Executor, jobId: string, workerId: string, leaseSeconds: number): Promise<boolean> {
  const row = await db
    .updateTable('jobs')
    .set({ locked_until: sql`now() + make_interval(secs => ${leaseSeconds})`, updated_at: sql`now()` })
    .where('id', '=', jobId)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'RUNNING')
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Locks the job row for the rest of the transaction if it is still ours. A worker calls this
 * before every write: cancel, retry and delete update or remove the row, so they wait for a write
 * in progress, and a write after them finds the job gone from under it and is not made.
 */
export async function lockOwnedJob(trx: Trx, jobId: string, workerId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('jobs')
    .select('id')
    .where('id', '=', jobId)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'RUNNING')
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

/** Puts the job back in the queue to run at `runAt` (a retry after backoff, or a release on shutdown). */
export async function requeueJob(trx: Trx, jobId: string, runAt: Date | 'now', lastError: string | null): Promise<void> {
  await trx
    .updateTable('jobs')
    .set({
      status: 'QUEUED',
      run_at: runAt === 'now' ? sql`now()` : runAt,
      locked_by: null,
      locked_until: null,
      last_error: lastError,
      updated_at: sql`now()`,
    })
    .where('id', '=', jobId)
    .execute();
}

export async function finishJob(trx: Trx, jobId: string, status: JobEnd, lastError: string | null): Promise<void> {
  await finishJobQuery(trx, jobId, status, lastError).execute();
}

export type JobEnd = 'DONE' | 'FAILED' | 'CANCELED';

/** finishJob as a query, for a statement that ends the workflow's run and its job at once (as one of its CTEs). */
export function finishJobQuery(db: QueryCreator<DB>, jobId: string, status: JobEnd, lastError: string | null) {
  return db
    .updateTable('jobs')
    .set({ status, locked_by: null, locked_until: null, last_error: lastError, updated_at: sql`now()` })
    .where('id', '=', jobId);
}

/** Releases every job this worker holds, for another worker to take at once (graceful shutdown). */
export async function releaseJobsOf(db: Executor, workerId: string): Promise<number> {
  const rows = await db
    .updateTable('jobs')
    .set({ status: 'QUEUED', run_at: sql`now()`, locked_by: null, locked_until: null, updated_at: sql`now()` })
    .where('locked_by', '=', workerId)
    .where('status', '=', 'RUNNING')
    .returning('id')
    .execute();
  if (rows.length > 0) await notifyJobQueued(db, 'released');
  return rows.length;
}

/** Seconds until the next queued job is due; null when none is queued. Lets an idle worker sleep exactly. */
export async function secondsUntilNextJob(db: Executor, kind: JobKind): Promise<number | null> {
  const row = await db
    .selectFrom('jobs')
    .select(sql<number>`extract(epoch from (min(run_at) - now()))`.as('wait'))
    .where('kind', '=', kind)
    .where('status', '=', 'QUEUED')
    .executeTakeFirst();
  return row?.wait === null || row?.wait === undefined ? null : Number(row.wait);
}
