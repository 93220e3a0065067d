import { CompiledQuery } from 'kysely';
import type { Trx } from '../db/database.ts';
import type { FlowName, FlowStatus } from '../db/schema/completions.ts';
import type { WorkflowRow } from '../db/schema/workflows.ts';

// The one statement that reads the jobs table together with a workflow: here, with every other
// statement on jobs, rather than in the workflows module that calls it.

/** A run's workflow, locked with its job, and (when asked for) its flows in pipeline order. */
export interface LockedRun {
  workflow: WorkflowRow;
  completions: Array<{ flow: FlowName; status: FlowStatus }>;
}

/**
 * Locks the workflow's row, then the job's if it is still this worker's, in one statement: the
 * lateral join runs once the workflow's row is locked, so the order cancel, retry and delete
 * follow (the workflow's row, then the job's) holds. Undefined when either is gone or the job is
 * no longer ours.
 *
 * The completions are read with the statement's snapshot, which may predate the wait for the
 * workflow's lock; that is safe because every writer of completions takes that lock first and
 * either committed before this job was claimed or left the job no longer ours (cancel, retry,
 * delete, a takeover), in which case no row comes back.
 */
export async function lockRun(
  trx: Trx,
  workflowId: string,
  jobId: string,
  workerId: string,
  withCompletions: boolean,
): Promise<LockedRun | undefined> {
  const { rows } = await trx.executeQuery<WorkflowRow & { run_completions: LockedRun['completions'] | null }>(
    CompiledQuery.raw(withCompletions ? LOCK_RUN_WITH_COMPLETIONS : LOCK_RUN, [workflowId, jobId, workerId]),
  );
  const row = rows[0];
  if (!row) return undefined;
  const { run_completions, ...workflow } = row;
  return { workflow, completions: run_completions ?? [] };
}

const LOCK_RUN_FROM = `
  FROM (SELECT * FROM workflows WHERE id = $1 FOR UPDATE) AS w
  CROSS JOIN LATERAL (
    SELECT 1 FROM jobs WHERE jobs.id = $2 AND jobs.workflow_id = w.id AND jobs.locked_by = $3 AND jobs.status = 'RUNNING' FOR UPDATE
  ) AS owned`;
const LOCK_RUN = `SELECT w.* ${LOCK_RUN_FROM}`;
const LOCK_RUN_WITH_COMPLETIONS = `
  SELECT w.*, (
    SELECT coalesce(json_agg(json_build_object('flow', c.flow, 'status', c.status) ORDER BY c.position), '[]'::json)
    FROM completions c WHERE c.workflow_id = w.id
  ) AS run_completions ${LOCK_RUN_FROM}`;
