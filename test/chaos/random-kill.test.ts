import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import type { RoleProcess } from '../helpers/processes.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { allEnded, chaosSeed, endStatuses, expectExactObjects, ledgerOf, seededRandom, spawnWorker } from './chaos-helpers.ts';

// Workers die without warning (OOM killer, a pulled plug): SIGKILL at random moments, a new worker
// started each time. A dead worker's lease ends after 5 s and another worker resumes its runs.
const IMAGE_RUNS = 20;
const VIDEO_RUNS = 2;
/** Bounded chaos: after this many kills the survivors finish in peace, so a long VIDEO flow cannot starve forever. */
const MAX_KILLS = 6;

let app: TestApp;
const workers: RoleProcess[] = [];

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop(2000)));
  await app?.stop();
});

const workerEnv = () => ({ ...app.serviceEnv, WORKER_LEASE_SECONDS: '5', WORKER_CONCURRENCY: '2', SHUTDOWN_GRACE_SECONDS: '1' });

async function startWorker(): Promise<void> {
  workers.push(await spawnWorker(workerEnv()));
}

/** SIGKILLs one live worker picked by `random`, waits for it to be gone, starts a replacement. */
async function killOne(random: () => number): Promise<void> {
  const victim = workers.splice(Math.floor(random() * workers.length), 1)[0]!;
  victim.child.kill('SIGKILL');
  expect((await victim.exited).signal).toBe('SIGKILL');
  await startWorker();
}

test('SIGKILL of random workers at random moments: every run SUCCESS, charged once, each output stored once', async () => {
  const random = seededRandom(chaosSeed('random SIGKILL'));
  const { customerId } = await app.createCustomer(1000);
  const runs: Array<{ id: string; mode: 'IMAGE' | 'VIDEO' }> = [];
  for (let i = 0; i < IMAGE_RUNS + VIDEO_RUNS; i++) {
    const mode = i % 11 === 5 ? 'VIDEO' : 'IMAGE';
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: mode, aspectRatio: '16:9' } });
    runs.push({ id: workflow.id, mode });
  }
  expect(runs.filter((run) => run.mode === 'VIDEO')).toHaveLength(VIDEO_RUNS);
  const ids = runs.map((run) => run.id);
  await startWorker();
  await startWorker();

  let kills = 0;
  while (kills < MAX_KILLS && !(await endStatuses(app, ids))) {
    await new Promise((resolve) => setTimeout(resolve, 1000 + random() * 3000));
    await killOne(random);
    kills++;
  }
  console.log(`[chaos] random SIGKILL: ${kills} kills`);

  const statuses = await allEnded(app, ids, 300_000);
  expect([...statuses.values()].filter((status) => status !== 'SUCCESS')).toEqual([]);
  const ledger = await ledgerOf(app, ids);
  expect(Object.values(ledger).filter((reasons) => reasons.join() !== 'RESERVATION')).toEqual([]);
  await expectExactObjects(app, runs);
}, 480_000);
