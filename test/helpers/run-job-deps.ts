import { createLogger } from '../../src/logger.ts';
import type { ClaimedRun } from '../../src/queue/run-claim.ts';
import type { FlowRegistry } from '../../src/worker/flows/flow.ts';
import { flows } from '../../src/worker/flows/index.ts';
import { claimAndStartRuns, type RunJobDeps } from '../../src/worker/run-job.ts';
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

/**
 * Claims the queued job of `workflowId` for `workerId`, which starts its run, as the runner's
 * claim does (no runner: nothing else claims it; any other queued run is claimed and started too).
 */
export async function claimedJob(app: TestApp, workerId: string, workflowId: string): Promise<ClaimedRun> {
  const runs = await claimAndStartRuns(app.db, workerId, 30, 100);
  const run = runs.find((candidate) => candidate.job.workflow_id === workflowId);
  if (!run) throw new Error(`the job of ${workflowId} was not claimed`);
  return run;
}

/** The workflow's flows in pipeline order: each one's status and attempts. */
export function completionsOf(app: TestApp, workflowId: string) {
  return app.db
    .selectFrom('completions')
    .select(['flow', 'status', 'attempts'])
    .where('workflow_id', '=', workflowId)
    .orderBy('position')
    .execute();
}
