import { afterAll, beforeAll, expect, test } from 'vitest';
import type { JobRunner } from '../../src/worker/runner.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { subscribeSse } from '../subscriptions/clients.ts';

let app: TestApp;
let runner: JobRunner | undefined;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await runner?.stop(0);
  await app?.stop();
});

async function eventAgeCount(): Promise<number> {
  const response = await fetch(new URL('/metrics', app.url));
  const text = await response.text();
  if (!text.includes('progress')) throw new Error(`/metrics: ${response.status} ${text.slice(0, 300)}`);
  const line = text.split('\n').find((l) => l.startsWith('framewright_workflow_progress_event_age_seconds_count'));
  return line === undefined ? Number.NaN : Number(line.split(' ').at(-1));
}

test("a workflowProgress event's age at send is in the Prometheus registry; the subscription's first state is not counted", async () => {
  const owner = await app.createCustomer(10);
  const workflow = await createWorkflowFor(app, owner.customerId);
  const sse = subscribeSse(app.url, { id: workflow.id }, owner.apiKey);
  await sse.received(1);
  expect(await eventAgeCount()).toBe(0);

  runner = app.startWorker();
  expect(await sse.ended).toEqual({ completed: true, errors: [] });
  // Every event after the first one was measured once.
  expect(await eventAgeCount()).toBe(sse.events.length - 1);
  expect(sse.events.length).toBeGreaterThan(1);
});
