import { CompiledQuery } from 'kysely';
import { publishesByNotify } from '../db/after-commit.ts';
import type { Executor } from '../db/database.ts';
import type { FlowName, FlowStatus } from '../db/schema/completions.ts';
import type { JobRow } from '../db/schema/jobs.ts';
import type { PipelineMode, WorkflowRow } from '../db/schema/workflows.ts';
import { notifyWorkflowChanged, WORKFLOW_EVENTS_CHANNEL } from '../modules/workflows/workflow-events.ts';

// The claim of workflow runs, which also starts them: a no-op job costs this statement and the
// one that ends it (graphile-worker's two), where claim, BEGIN, lock, end and COMMIT were five.
//
// The statement locks each candidate job, then its workflow, both with SKIP LOCKED: it never
// waits for a lock, so taking the job's row before the workflow's (the reverse of the order every
// other writer follows, run-lock.ts) cannot deadlock. A job whose workflow is locked (a cancel, a
// retry, an edit in progress) stays QUEUED for the next claim. Under those locks it reads the
// workflow's flows, starts the first pending one with the workflow PROCESSING (one version bump,
// one message, as a run's start in its own transaction did), and closes the job of a workflow that
// has already ended (its status wins, see jobs.ts).
//
// The flows are read FOR UPDATE, not for the lock (every writer of completions holds the
// workflow's lock first, so it never waits) but for their latest committed state: a plain read
// would use the statement's snapshot, which may predate the commit of a step by a worker whose
// lease ran out while this statement waited to lock its job.

/** The fields of the workflow a run works with. */
export type RunWorkflow = Pick<WorkflowRow, 'id' | 'customer_id' | 'title' | 'model' | 'aspect_ratio' | 'pipeline_mode' | 'credit_cost'>;

/** A run as the claim started it. */
export interface RunStart {
  workflow: RunWorkflow;
  /** The workflow was QUEUED: this claim made it PROCESSING (else a run taken over, or resumed after a retry of a flow). */
  wasQueued: boolean;
  /** Its flows in pipeline order, as they were before this start. */
  completions: Array<{ flow: FlowName; status: FlowStatus }>;
  /** The first pending flow, now RUNNING, and its attempt; undefined when none was pending (the run only has its end left). */
  started: { flow: FlowName; attempt: number } | undefined;
}

export interface ClaimedRun {
  job: JobRow;
  /** Undefined when the workflow had already ended: its job was closed to match, there is nothing to run. */
  start: RunStart | undefined;
}

/** The workflow's progress when each flow of each pipeline starts, for the start of a run (overallProgress at 0). */
export type StartProgress = ReadonlyArray<{ mode: PipelineMode; flow: FlowName; percentage: number }>;

interface ClaimRow extends JobRow {
  going: boolean;
  was_queued: boolean;
  workflow: RunWorkflow;
  flows: RunStart['completions'];
  started_flow: FlowName | null;
  started_attempts: number | null;
  started_version: number | null;
}

/**
 * Claims up to `limit` runnable WORKFLOW_RUN jobs (queued ones whose time has come, or running ones
 * whose lease ran out) and starts their runs, in one statement.
 */
export async function claimRuns(
  db: Executor,
  workerId: string,
  leaseSeconds: number,
  limit: number,
  startProgress: StartProgress,
): Promise<ClaimedRun[]> {
  const parameters = [
    workerId,
    leaseSeconds,
    limit,
    startProgress.map((p) => p.mode),
    startProgress.map((p) => p.flow),
    startProgress.map((p) => p.percentage),
  ];
  const { rows, byNotify } = await db.connection().execute(async (connection) => {
    const byNotify = await publishesByNotify(connection);
    const result = await connection.executeQuery<ClaimRow>(CompiledQuery.raw(byNotify ? CLAIM_NOTIFYING : CLAIM, parameters));
    return { rows: result.rows, byNotify };
  });
  const claimed: ClaimedRun[] = [];
  for (const row of rows) {
    const { going, was_queued, workflow, flows, started_flow, started_attempts, started_version, ...job } = row;
    // A bus outside PostgreSQL is told once the statement (its own transaction) has committed: now.
    if (!byNotify && started_version !== null) await notifyWorkflowChanged(db, { workflowId: workflow.id, version: started_version });
    const started = started_flow === null ? undefined : { flow: started_flow, attempt: started_attempts! };
    claimed.push({ job, start: going ? { workflow, wasQueued: was_queued, completions: flows, started } : undefined });
  }
  return claimed;
}

// The MATERIALIZED candidates run once, so no plan can claim more than $3 jobs. The
// claim commits without waiting for its WAL flush (set_config below; see CLAIM_JOBS in jobs.ts):
// lost to a crash of PostgreSQL, the job is QUEUED again with its workflow as before the claim
// (all of it is one transaction), and the run's first durable step flushes the claim before itself.
function claimStatement(notify: boolean): string {
  return `
  WITH candidates AS MATERIALIZED (
    SELECT id, workflow_id FROM jobs
    WHERE (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL
      AND kind = 'WORKFLOW_RUN'
      AND ((status = 'QUEUED' AND run_at <= now()) OR (status = 'RUNNING' AND locked_until < now()))
    ORDER BY run_at, id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
  ),
  runs AS MATERIALIZED (
    SELECT c.id AS job_id, w.id AS workflow_id, w.pipeline_mode,
      w.processing_status IN ('QUEUED', 'PROCESSING') AS going,
      w.processing_status = 'QUEUED' AS was_queued,
      w.processing_status = 'SUCCESS' AS succeeded,
      json_build_object('id', w.id, 'customer_id', w.customer_id, 'title', w.title, 'model', w.model,
        'aspect_ratio', w.aspect_ratio, 'pipeline_mode', w.pipeline_mode, 'credit_cost', w.credit_cost) AS workflow,
      f.flows, f.first_flow
    FROM candidates c
    CROSS JOIN LATERAL (SELECT * FROM workflows WHERE workflows.id = c.workflow_id FOR UPDATE SKIP LOCKED) AS w
    CROSS JOIN LATERAL (
      SELECT coalesce(json_agg(json_build_object('flow', x.flow, 'status', x.status) ORDER BY x.position), '[]'::json) AS flows,
        (array_agg(x.flow ORDER BY x.position) FILTER (WHERE x.status NOT IN ('SUCCESS', 'SKIPPED')))[1] AS first_flow
      FROM (SELECT flow, status, position FROM completions WHERE completions.workflow_id = w.id FOR UPDATE) AS x
    ) AS f
  ),
  claimed AS (
    UPDATE jobs SET
      status = CASE WHEN r.going THEN 'RUNNING' WHEN r.succeeded THEN 'DONE' ELSE 'CANCELED' END,
      locked_by = CASE WHEN r.going THEN $1 END,
      locked_until = CASE WHEN r.going THEN now() + make_interval(secs => $2) END,
      last_error = CASE WHEN r.going THEN jobs.last_error END,
      attempts = jobs.attempts + 1,
      updated_at = now()
    FROM runs r
    WHERE jobs.id = r.job_id
    RETURNING jobs.*
  ),
  started_flow AS (
    UPDATE completions SET status = 'RUNNING', attempts = completions.attempts + 1, started_at = now(), completed_at = NULL, error = NULL
    FROM runs r
    WHERE r.going AND completions.workflow_id = r.workflow_id AND completions.flow = r.first_flow
    RETURNING completions.workflow_id, completions.flow, completions.attempts
  ),
  started AS (
    UPDATE workflows SET
      processing_status = 'PROCESSING',
      progress_percentage = greatest(workflows.progress_percentage, coalesce(p.percentage, 0)),
      version = workflows.version + 1,
      updated_at = now()
    FROM runs r
    LEFT JOIN unnest($4::text[], $5::text[], $6::int[]) AS p(mode, flow, percentage) ON p.mode = r.pipeline_mode AND p.flow = r.first_flow
    WHERE workflows.id = r.workflow_id AND r.going AND (r.was_queued OR r.first_flow IS NOT NULL)
    RETURNING workflows.id, workflows.version,
      ${notify ? `pg_notify('${WORKFLOW_EVENTS_CHANNEL}', json_build_object('workflowId', workflows.id, 'version', workflows.version)::text)` : 'null'} AS notified
  )
  SELECT claimed.*, r.going, r.was_queued, r.workflow, r.flows,
    sf.flow AS started_flow, sf.attempts AS started_attempts, s.version AS started_version
  FROM claimed
  JOIN runs r ON r.job_id = claimed.id
  LEFT JOIN started_flow sf ON sf.workflow_id = r.workflow_id
  LEFT JOIN started s ON s.id = r.workflow_id
  ORDER BY claimed.run_at, claimed.id`;
}

const CLAIM = claimStatement(false);
const CLAIM_NOTIFYING = claimStatement(true);
