import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually, runCommand } from '../helpers/processes.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';

// What an operator watches when running many processes: the queue gauges on /metrics and
// `framewright status`, both read from the database, so any API process tells about all workers.
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app?.stop();
});

async function gauges(): Promise<Record<string, number>> {
  const text = await (await fetch(app.url.replace('/graphql', '/metrics'))).text();
  const values: Record<string, number> = {};
  for (const match of text.matchAll(/^(framewright_(?:queue|worker|workers|webhook)_[a-z_]+) (\S+)$/gm))
    values[match[1]!] = Number(match[2]);
  return values;
}

test('/metrics and `framewright status` show runs waiting with no worker, then the worker alive and the queue drained', async () => {
  const { customerId } = await app.createCustomer(10);
  await createWorkflowFor(app, customerId);
  await createWorkflowFor(app, customerId);
  const waiting = await gauges();
  expect(waiting['framewright_queue_depth']).toBe(2);
  expect(waiting['framewright_queue_due']).toBe(2);
  expect(waiting['framewright_queue_oldest_age_seconds']).toBeGreaterThanOrEqual(0);
  expect(waiting['framewright_workers_alive']).toBe(0);
  expect(waiting['framewright_webhook_deliveries_pending']).toBe(0);
  const before = await runCommand(['status', '--json'], { ...app.serviceEnv, LOG_LEVEL: 'warn' });
  expect(before.code, before.stderr).toBe(0);
  expect(JSON.parse(before.stdout)).toMatchObject({ queuedRuns: 2, dueRuns: 2, workersAlive: 0, deliveriesPending: 0 });

  const worker = app.startWorker({ concurrency: 3 });
  const drained = await eventually('the worker ran both', async () => {
    const now = await gauges();
    return now['framewright_queue_depth'] === 0 && now['framewright_queue_running'] === 0 ? now : undefined;
  });
  expect(drained['framewright_workers_alive']).toBe(1);
  expect(drained['framewright_worker_slots']).toBe(3);
  expect(drained['framewright_queue_oldest_age_seconds']).toBe(0);
  const table = await runCommand(['status'], { ...app.serviceEnv, LOG_LEVEL: 'warn' });
  expect(table.stdout).toMatch(/Workers alive\s+1 \(3 slots/);
  expect(table.stdout).toMatch(/Workflow runs waiting\s+0 /);

  // A runner that stops takes its row with it: the gauge drops once the scrape's shared read
  // (reused for 500 ms) is read again, long before the heartbeat would have gone stale.
  await worker.stop(0);
  await eventually(
    'the stopped worker gone from the gauge',
    async () => ((await gauges())['framewright_workers_alive'] === 0 ? true : undefined),
    5000,
  );
});
