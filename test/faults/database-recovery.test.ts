import { afterAll, beforeAll, expect, test } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { OPERATOR } from '../../src/modules/auth/viewer.ts';
import { flows } from '../../src/worker/flows/index.ts';
import { type JobRunner, startJobRunner } from '../../src/worker/runner.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { OwnPostgresStack } from '../helpers/own-postgres.ts';
import { eventually } from '../helpers/processes.ts';

// The API and the worker on a PostgreSQL of their own, stopped and started again under them by
// someone else (an operator, a crash and restart): they must come back by themselves.
const logger = createLogger(process.env['TEST_LOG_LEVEL'] ?? 'silent');
let stack: OwnPostgresStack;
let runner: JobRunner;

beforeAll(async () => {
  stack = await OwnPostgresStack.start({ name: 'recovery', logger, poolSize: 5, shutdownGraceMs: 2000 });
  runner = startJobRunner({
    db: stack.db,
    databaseUrl: stack.databaseUrl,
    storage: stack.storage,
    credits: stack.services.credits,
    webhooks: stack.services.webhooks,
    flows,
    logger,
    concurrency: 1,
    leaseSeconds: 30,
    pollIntervalMs: 500,
  });
}, 120_000);

afterAll(async () => {
  await runner?.stop(0);
  await stack?.close();
});

async function me(apiKey: string): Promise<{ credits?: number; errorCode?: unknown }> {
  const response = await fetch(`${stack.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query: '{ me { credits } }' }),
  });
  const body = (await response.json()) as {
    data?: { me: { credits: number } } | null;
    errors?: Array<{ extensions?: { code?: unknown } }>;
  };
  return body.errors ? { errorCode: body.errors[0]?.extensions?.code } : { credits: body.data!.me.credits };
}

test('requests and jobs work again once the database is back, without a restart of the service', async () => {
  const { customer, apiKey } = await stack.services.customers.create(OPERATOR, { name: 'Patient', credits: 10 });
  expect(await me(apiKey)).toEqual({ credits: 10 });

  await stack.stopPostgres();
  expect(await me(apiKey)).toEqual({ errorCode: 'SERVICE_UNAVAILABLE' });
  expect((await fetch(`${stack.base}/readyz`)).status).toBe(503);

  await stack.startPostgres();

  await eventually('GraphQL answers again', async () => ((await me(apiKey)).credits === 10 ? true : undefined));
  expect((await fetch(`${stack.base}/readyz`)).status).toBe(200);
  // The worker claims and finishes a job queued after the outage.
  const png = await pngWithTransparentBorder(80, 40);
  const workflow = await stack.services.workflows.create(
    { kind: 'customer', customerId: customer.id },
    {
      title: 'After the outage',
      model: 'vim_new_year_2026',
      primaryUserId: 'u1',
      options: { pipelineMode: 'IMAGE' },
      source: { name: 'a.png', size: png.length, arrayBuffer: async () => new Uint8Array(png).buffer },
    },
  );
  const status = await eventually(
    'the run to end',
    async () => {
      const { processingStatus } = await stack.services.workflows.get({ kind: 'customer', customerId: customer.id }, workflow.id);
      return processingStatus === 'SUCCESS' || processingStatus === 'FAILED' ? processingStatus : undefined;
    },
    90_000,
  );
  expect(status).toBe('SUCCESS');
}, 180_000);
