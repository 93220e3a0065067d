import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { OPERATOR } from '../../src/modules/auth/viewer.ts';
import { flows } from '../../src/worker/flows/index.ts';
import { type JobRunner, startJobRunner } from '../../src/worker/runner.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { OwnPostgresStack } from '../helpers/own-postgres.ts';
import { expectWellFormed, subscribeSse, subscribeWs, until, wsClient } from './clients.ts';

// Its own PostgreSQL (the shared one cannot be restarted under the rest of the suite), on a fixed
// port so that the pool, the LISTEN connections and the job runner find it again after the restart.
const logger = createLogger(process.env['TEST_LOG_LEVEL'] ?? 'silent');
let stack: OwnPostgresStack;
let url: string;
let runner: JobRunner | undefined;
let client: Client | undefined;

beforeAll(async () => {
  stack = await OwnPostgresStack.start({ name: 'restart', logger, poolSize: 10, shutdownGraceMs: 5000 });
  url = `${stack.base}/graphql`;
}, 90_000);

afterAll(async () => {
  await client?.dispose();
  await runner?.stop(0);
  await stack?.close();
});

test('subscribers get the final event of a run although PostgreSQL restarted in the middle of it', async () => {
  const { customer, apiKey } = await stack.services.customers.create(OPERATOR, { name: 'Patient', credits: 10 });
  const png = await pngWithTransparentBorder(120, 60);
  const workflow = await stack.services.workflows.create(
    { kind: 'customer', customerId: customer.id },
    {
      title: 'Through a restart',
      model: 'vim_new_year_2026',
      primaryUserId: 'u1',
      options: { pipelineMode: 'IMAGE' },
      source: { name: 'a.png', size: png.length, arrayBuffer: async () => new Uint8Array(png).buffer },
    },
  );

  // The run stops before CREATE_MEDIA until the database has been restarted.
  let reachGate!: () => void;
  const gateReached = new Promise<void>((resolve) => (reachGate = resolve));
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  runner = startJobRunner({
    db: stack.db,
    databaseUrl: stack.databaseUrl,
    storage: stack.storage,
    credits: stack.services.credits,
    webhooks: stack.services.webhooks,
    logger,
    flows: {
      ...flows,
      CREATE_MEDIA: async (context) => {
        reachGate();
        await gate;
        return flows.CREATE_MEDIA(context);
      },
    },
    concurrency: 1,
    // Longer than the restart: the job stays this worker's, as it would in production.
    leaseSeconds: 60,
    pollIntervalMs: 500,
    backoffMs: () => 200,
  });

  client = wsClient(url, apiKey);
  const ws = subscribeWs(client, { id: workflow.id });
  const sse = subscribeSse(url, { id: workflow.id }, apiKey);
  await gateReached;
  await until('both subscribers to see CREATE_MEDIA running', () =>
    [ws, sse].every((s) => s.events.some((e) => e.flow === 'CREATE_MEDIA' && e.flowStatus === 'RUNNING')),
  );

  await stack.stopPostgres();
  // Down for 2 s: the LISTEN connections' backoff (0.25, 0.5, 1, 2 s) then puts their next try
  // about 1.75 s after the restart, so the rest of the run, let go at once, is committed while
  // nobody listens. Its notifications are lost; only the re-read after the reconnect can tell.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await stack.startPostgres();
  openGate();

  for (const subscription of [ws, sse]) {
    expect(await subscription.ended).toEqual({ completed: true, errors: [] });
    expectWellFormed(subscription.events);
    expect(subscription.events.at(-1)).toMatchObject({ processingStatus: 'SUCCESS', progressPercentage: 100 });
  }
  const final = await stack.services.workflows.get({ kind: 'customer', customerId: customer.id }, workflow.id);
  expect(ws.events.at(-1)!.version).toBe(final.version);

  // New subscriptions work on the restarted database too.
  const late = subscribeSse(url, { id: workflow.id }, apiKey);
  expect(await late.ended).toEqual({ completed: true, errors: [] });
  expect(late.events.map((e) => e.processingStatus)).toEqual(['SUCCESS']);
}, 90_000);
