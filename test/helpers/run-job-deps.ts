import type { JobRow } from '../../src/db/schema/jobs.ts';
import { createLogger } from '../../src/logger.ts';
import { claimJobs } from '../../src/queue/jobs.ts';
import type { FlowRegistry } from '../../src/worker/flows/flow.ts';
import { flows } from '../../src/worker/flows/index.ts';
import type { RunJobDeps } from '../../src/worker/run-job.ts';
import type { TestApp } from './harness.ts';

/** What runJob needs, for calling it directly as `workerId` with no runner: the app's own services, quiet logs, short backoff. */
export function runJobDeps(app: TestApp, workerId: string, overrides: Partial<RunJobDeps> = {}): RunJobDeps {
  return {
    db: app.db,
    storage: app.storage,
    credits: app.services.credits,
    webhooks: app.services.webhooks,
    flows: flows as FlowRegistry,
    logger: createLogger('silent'),
    workerId,
    leaseSeconds: 30,
    heartbeatMs: 10_000,
    maxAttempts: 3,
    backoffMs: () => 200,
    progressIntervalMs: 250,
    ...overrides,
  };
}

/** Claims the queued job of `workflowId` for `workerId` (no runner: nothing else claims it). */
export async function claimedJob(app: TestApp, workerId: string, workflowId: string): Promise<JobRow> {
  const jobs = await claimJobs(app.db, 'WORKFLOW_RUN', workerId, 30, 100);
  const job = jobs.find((candidate) => candidate.workflow_id === workflowId);
  if (!job) throw new Error(`the job of ${workflowId} was not claimed`);
  return job;
}
