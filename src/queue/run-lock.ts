import { CompiledQuery, type RawBuilder, sql } from 'kysely';
import type { Executor, Trx } from '../db/database.ts';
import type { WorkflowRow } from '../db/schema/workflows.ts';

// The statements that read the jobs table together with a workflow: here, with every other
// statement on jobs, rather than in the workflows module that calls them.

/** A run's workflow, locked with its job. */
export interface LockedRun {
  workflow: WorkflowRow;
}

/**
 * Locks the workflow's row, then the job's if it is still this worker's, in one statement: the
 * lateral join runs once the workflow's row is locked, so the order cancel, retry and delete
 * follow (the workflow's row, then the job's) holds. Undefined when either is gone or the job is
 * no longer ours.
 */
export async function lockRun(trx: Trx, workflowId: string, jobId: string, workerId: string): Promise<LockedRun | undefined> {
  const { rows } = await trx.executeQuery<WorkflowRow>(CompiledQuery.raw(LOCK_RUN, [workflowId, jobId, workerId]));
  const workflow = rows[0];
  return workflow ? { workflow } : undefined;
}

const LOCK_RUN = `
  SELECT w.*
  FROM (SELECT * FROM workflows WHERE id = $1 FOR UPDATE) AS w
  CROSS JOIN LATERAL (
    SELECT 1 FROM jobs WHERE jobs.id = $2 AND jobs.workflow_id = w.id AND jobs.locked_by = $3 AND jobs.status = 'RUNNING' FOR UPDATE
  ) AS owned`;

/** What endRunAtOnce did: ended the run (the workflow's new version), left it to a transaction, or found the job no longer ours. */
export type RunEnd = { ended: true; version: number } | { ended: false; reason: 'listened' | 'lost' };

/** endRunAtOnce's statement, compiled once for a listener's check and a way of notifying; `slots` are where the run's values go. */
export interface EndRunStatement {
  sql: string;
  parameters: readonly unknown[];
  slots: readonly [workflowId: number, jobId: number, workerId: number];
}

/**
 * A run's SUCCESS with its job DONE, as one statement: the locks of lockRun in its order (the
 * lateral join runs once the workflow's row is locked), then both changes. It changes nothing when
 * `listened` (SQL over the locked `workflows` row) is true: an end someone listens for is recorded
 * in a transaction (the webhooks' outbox), which the caller then runs. `notify` (SQL over the
 * updated `workflows` row) sends the workflow's message in the same statement. Compiled once
 * (endRunAtOnce fills in the run): it is built and compiled at every run's end otherwise.
 */
export function endRunStatement(db: Executor, listened: RawBuilder<boolean>, notify: RawBuilder<unknown> | undefined): EndRunStatement {
  const markers = ['\u0000workflow', '\u0000job', '\u0000worker'] as const;
  const compiled = sql`
    WITH run AS MATERIALIZED (
      SELECT workflows.id, owned.id AS job_id, ${listened} AS listened
      FROM (SELECT * FROM workflows WHERE id = ${markers[0]} FOR UPDATE) AS workflows
      CROSS JOIN LATERAL (
        SELECT id FROM jobs
        WHERE jobs.id = ${markers[1]} AND jobs.workflow_id = workflows.id AND jobs.locked_by = ${markers[2]} AND jobs.status = 'RUNNING'
        FOR UPDATE
      ) AS owned
    ),
    ended_job AS (
      UPDATE jobs SET status = 'DONE', locked_by = NULL, locked_until = NULL, last_error = NULL, updated_at = now()
      FROM run WHERE jobs.id = run.job_id AND NOT run.listened
    ),
    ended AS (
      UPDATE workflows SET processing_status = 'SUCCESS', progress_percentage = 100, error = NULL,
        version = workflows.version + 1, updated_at = now()
      FROM run WHERE workflows.id = run.id AND NOT run.listened
      RETURNING workflows.version, ${notify ?? sql`null`} AS notified
    )
    SELECT run.listened, ended.version FROM run LEFT JOIN ended ON true`.compile(db);
  const [workflowSlot, jobSlot, workerSlot] = markers.map((marker) => compiled.parameters.indexOf(marker));
  if (workflowSlot! < 0 || jobSlot! < 0 || workerSlot! < 0) throw new Error('the end statement lost a parameter');
  return { sql: compiled.sql, parameters: compiled.parameters, slots: [workflowSlot!, jobSlot!, workerSlot!] };
}

/** Runs endRunStatement's statement (its own transaction) for `run`. */
export async function endRunAtOnce(
  db: Executor,
  run: { workflowId: string; jobId: string; workerId: string },
  statement: EndRunStatement,
): Promise<RunEnd> {
  const parameters = [...statement.parameters];
  parameters[statement.slots[0]] = run.workflowId;
  parameters[statement.slots[1]] = run.jobId;
  parameters[statement.slots[2]] = run.workerId;
  const { rows } = await db.executeQuery<{ listened: boolean; version: number | null }>(CompiledQuery.raw(statement.sql, parameters));
  const row = rows[0];
  if (!row) return { ended: false, reason: 'lost' };
  if (row.listened || row.version === null) return { ended: false, reason: 'listened' };
  return { ended: true, version: row.version };
}
