import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import { WORKER_ALIVE_SECONDS } from './workers.ts';

/** How the queue stands, for /metrics and `framewright status`. */
export interface QueueStats {
  /** Workflow runs waiting for a worker, due now or later (retries wait for their backoff). */
  queuedRuns: number;
  /** Workflow runs due now and waiting. */
  dueRuns: number;
  /** Workflow runs a worker holds. */
  runningRuns: number;
  /** How long the oldest due run has waited, in seconds; 0 when none waits. */
  oldestDueAgeSeconds: number;
  /** Job runners whose heartbeat is recent. */
  workersAlive: number;
  /** Their slots for workflow runs, together. */
  workerSlots: number;
  /** Webhook deliveries not yet delivered nor given up. */
  deliveriesPending: number;
}

/** One round trip; the partial index over QUEUED and RUNNING jobs (kind, run_at) keeps it cheap. */
export async function queueStats(db: Executor): Promise<QueueStats> {
  const { rows } = await sql<Record<keyof QueueStats, string | number | null>>`
    SELECT
      (SELECT count(*) FROM jobs WHERE kind = 'WORKFLOW_RUN' AND status = 'QUEUED') AS "queuedRuns",
      (SELECT count(*) FROM jobs WHERE kind = 'WORKFLOW_RUN' AND status = 'QUEUED' AND run_at <= now()) AS "dueRuns",
      (SELECT count(*) FROM jobs WHERE kind = 'WORKFLOW_RUN' AND status = 'RUNNING') AS "runningRuns",
      (SELECT coalesce(extract(epoch FROM now() - min(run_at)), 0) FROM jobs
        WHERE kind = 'WORKFLOW_RUN' AND status = 'QUEUED' AND run_at <= now()) AS "oldestDueAgeSeconds",
      (SELECT count(*) FROM workers WHERE last_seen_at > now() - make_interval(secs => ${WORKER_ALIVE_SECONDS})) AS "workersAlive",
      (SELECT coalesce(sum(concurrency), 0) FROM workers
        WHERE last_seen_at > now() - make_interval(secs => ${WORKER_ALIVE_SECONDS})) AS "workerSlots",
      (SELECT count(*) FROM webhook_deliveries WHERE status = 'PENDING') AS "deliveriesPending"
  `.execute(db);
  const row = rows[0]!;
  const num = (key: keyof QueueStats) => Number(row[key] ?? 0);
  return {
    queuedRuns: num('queuedRuns'),
    dueRuns: num('dueRuns'),
    runningRuns: num('runningRuns'),
    oldestDueAgeSeconds: num('oldestDueAgeSeconds'),
    workersAlive: num('workersAlive'),
    workerSlots: num('workerSlots'),
    deliveriesPending: num('deliveriesPending'),
  };
}
