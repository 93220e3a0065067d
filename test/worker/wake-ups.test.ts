import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { JOBS_CHANNEL, kindOfWakeUp } from '../../src/queue/jobs-channel.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';

// A wake-up names the kind of job it is for, so a worker wakes only the claim loop that can take
// it (a delivery's loop woken for a run would claim nothing, then ask when the next job is due).

let app: TestApp;
let listener: pg.Client;
const heard: string[] = [];

beforeAll(async () => {
  app = await startTestApp();
  listener = new pg.Client({ connectionString: app.databaseUrl });
  await listener.connect();
  listener.on('notification', (message) => {
    if (message.channel === JOBS_CHANNEL) heard.push(message.payload ?? '');
  });
  await listener.query(`LISTEN ${JOBS_CHANNEL}`);
});
afterAll(async () => {
  await listener?.end();
  await app?.stop();
});

describe('wake-ups', () => {
  test("a queued run wakes the runs' loops by name, with its workflow", async () => {
    const { customerId } = await app.createCustomer(10);
    const workflow = await createWorkflowFor(app, customerId);
    await expect.poll(() => heard, { timeout: 10_000 }).toContain(`WORKFLOW_RUN:${workflow.id}`);
    expect(kindOfWakeUp(`WORKFLOW_RUN:${workflow.id}`)).toBe('WORKFLOW_RUN');
  });

  test('one that names no kind (a release, or an older version) wakes every loop', () => {
    expect(kindOfWakeUp('WEBHOOK_DELIVERY:0b6c')).toBe('WEBHOOK_DELIVERY');
    expect(kindOfWakeUp('released')).toBeUndefined();
    expect(kindOfWakeUp('3f1c2a9e-0000-4000-8000-000000000000')).toBeUndefined();
    expect(kindOfWakeUp('SOMETHING_ELSE:x')).toBeUndefined();
  });
});
