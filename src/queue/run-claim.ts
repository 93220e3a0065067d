import { CompiledQuery } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { FlowName, FlowStatus } from '../db/schema/completions.ts';
import type { JobRow } from '../db/schema/jobs.ts';
import type { PipelineMode, WorkflowRow } from '../db/schema/workflows.ts';

// The claim of workflow runs, which also starts them: a no-op job costs this statement and the
// one that ends it (graphile-worker's two), where claim, BEGIN, lock, end and COMMIT were five.
//
// One call of framewright_claim_runs (migration 20261207T1500-run-functions) locks each candidate
// job, then its workflow, both with SKIP LOCKED: it never waits for a lock, so taking the job's
// row before the workflow's (the reverse of the order every other writer follows, run-lock.ts)
// cannot deadlock. A job whose workflow is locked (a cancel, a retry, an edit in progress) stays
// QUEUED for the next claim. Under those locks it reads the workflow's flows, starts the first
// pending one with the workflow PROCESSING (one version bump, one message, as a run's start in a
// transaction of its own did), and closes the job of a workflow that has already ended (its
// status wins, see jobs.ts).
//
// A function rather than one statement with data-modifying CTEs: that statement cost the database
// more CPU to parse and plan on every claim (0.4 ms) than the five statements it replaced, where
// the function's statements are planned once per connection.
//
// The claim commits without waiting for its WAL flush (synchronous_commit off, as CLAIM_JOBS in
// jobs.ts): lost to a crash of PostgreSQL, the job is QUEUED again with its workflow as before the
// claim (it is one transaction), and the run's first durable step flushes the claim before itself.

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
  /** The workflow's version after this start; undefined when the claim did not change it (a run taken over between flows). */
  version: number | undefined;
}

export interface ClaimedRun {
  job: JobRow;
  /** Undefined when the workflow had already ended: its job was closed to match, there is nothing to run. */
  start: RunStart | undefined;
}

/** The workflow's progress when each flow starts, by 'MODE:FLOW' (overallProgress at 0), for the start of a run. */
export type StartProgress = Readonly<Record<`${PipelineMode}:${FlowName}`, number>>;

export interface ClaimRow {
  /** The jobs row as JSON: its timestamps are strings. */
  job: Omit<JobRow, 'run_at' | 'locked_until' | 'created_at' | 'updated_at'> & {
    run_at: string;
    locked_until: string | null;
    created_at: string;
    updated_at: string;
  };
  workflow: RunWorkflow;
  flows: RunStart['completions'];
  going: boolean;
  was_queued: boolean;
  started_flow: FlowName | null;
  started_attempts: number | null;
  started_version: number | null;
}

const CLAIM_RUNS = 'SELECT * FROM framewright_claim_runs($1, $2, $3, $4, $5)';
const progressArguments = new WeakMap<StartProgress, string>();

/** The claim's start_progress argument (JSON), made once per map. */
export function startProgressArgument(startProgress: StartProgress): string {
  let progress = progressArguments.get(startProgress);
  if (!progress) {
    progress = JSON.stringify(startProgress);
    progressArguments.set(startProgress, progress);
  }
  return progress;
}

/**
 * Claims up to `limit` runnable WORKFLOW_RUN jobs (queued ones whose time has come, or running ones
 * whose lease ran out) and starts their runs, in one statement. With `notify`, the statement sends
 * each started workflow's message itself (NOTIFY); else the caller publishes it (RunStart.version).
 */
export async function claimRuns(
  db: Executor,
  run: { workerId: string; leaseSeconds: number; limit: number; startProgress: StartProgress; notify: boolean },
): Promise<ClaimedRun[]> {
  const progress = startProgressArgument(run.startProgress);
  const { rows } = await db.executeQuery<ClaimRow>(
    CompiledQuery.raw(CLAIM_RUNS, [run.workerId, run.leaseSeconds, run.limit, progress, run.notify]),
  );
  return rows.map(claimedRunOf);
}

/** framewright_claim_runs' row (or one of framewright_end_run_then_claim's `next`) as a ClaimedRun. */
export function claimedRunOf({
  job,
  workflow,
  flows,
  going,
  was_queued,
  started_flow,
  started_attempts,
  started_version,
}: ClaimRow): ClaimedRun {
  return {
    job: {
      ...job,
      run_at: new Date(job.run_at),
      locked_until: job.locked_until === null ? null : new Date(job.locked_until),
      created_at: new Date(job.created_at),
      updated_at: new Date(job.updated_at),
    },
    start: going
      ? {
          workflow,
          wasQueued: was_queued,
          completions: flows,
          started: started_flow === null ? undefined : { flow: started_flow, attempt: started_attempts! },
          version: started_version ?? undefined,
        }
      : undefined,
  };
}
