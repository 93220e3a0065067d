import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type EmbeddedS3Handle, startEmbeddedS3 } from '../../src/embedded/s3.ts';
import { createLogger } from '../../src/logger.ts';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { eventually, type RoleProcess, spawnApiProcess } from '../helpers/processes.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { allEnded, ledgerOf } from './chaos-helpers.ts';

// The S3 server goes away for about 10 s while runs go, then comes back on the same port. The
// run's shared S3 server serves every other test file, so this one starts its own to stop.
const OUTAGE_MS = 10_000;
const logger = createLogger('silent');
let scratch: string;
let s3: EmbeddedS3Handle | undefined;
let app: TestApp;
let api: (RoleProcess & { port: number }) | undefined;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'framewright-s3-outage-'));
  await chmod(scratch, 0o755);
  s3 = await startEmbeddedS3(path.join(scratch, 's3'), logger);
  app = await startTestApp({ s3Endpoint: s3.endpoint });
  api = await spawnApiProcess(app.serviceEnv);
});

afterAll(async () => {
  await api?.stop(2000);
  await app?.stop();
  await s3?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** A multipart createWorkflow on the API process: the source goes to the bucket before anything else. */
async function createThroughApi(apiKey: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const png = await pngWithTransparentBorder(64, 32);
  const query =
    'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename ... on Workflow { id } ... on Error { message } } }';
  const input = { title: 'Outage', model: 'vim_new_year_2026', primaryUserId: 'u1', options: { pipelineMode: 'IMAGE' }, source: null };
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables: { input } }));
  form.set('map', JSON.stringify({ 0: ['variables.input.source'] }));
  form.set('0', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'a.png');
  const response = await fetch(`http://127.0.0.1:${api!.port}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'graphql-require-preflight': '1' },
    body: form,
    // Bounded: "fails fast" means an answer, never a hang.
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function readyz(): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${api!.port}/readyz`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** True once some flow of these runs has failed an attempt: the runs really hit the outage. */
async function someAttemptFailed(app: TestApp, ids: string[]): Promise<true | undefined> {
  const rows = await app.db
    .selectFrom('completions')
    .select('error')
    .where('workflow_id', 'in', ids)
    .where('error', 'is not', null)
    .execute();
  return rows.length > 0 ? true : undefined;
}

test('S3 down for 10 s mid-run: runs retry and end SUCCESS; meanwhile requests fail fast and /readyz is 503', async () => {
  const { customerId, apiKey } = await app.createCustomer(100);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await createWorkflowFor(app, customerId)).id);
  const port = s3!.port;
  await s3!.stop();
  s3 = undefined;
  const down = Date.now();
  // The product's backoff (1 s, 2 s) outlasts about 3 s of outage; the worker's option stretches it here (6 s, 12 s).
  app.startWorker({ backoffMs: (attempt) => 6000 * attempt, leaseSeconds: 5 });
  await eventually('a flow attempt failing on the outage', () => someAttemptFailed(app, ids), 30_000);

  const refused = await createThroughApi(apiKey);
  // Refused, not hung; the cause is masked like any unexpected error (the database outage answers the same way).
  expect(refused.body).toMatchObject({ data: null, errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
  const notReady = await readyz();
  expect(notReady.status).toBe(503);
  expect(notReady.body).toMatchObject({ status: 'not ready', database: 'ok', bucket: expect.stringMatching(/^failing: /) });

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - down))));
  s3 = await startEmbeddedS3(path.join(scratch, 's3'), logger, { port });

  const statuses = await allEnded(app, ids, 120_000);
  expect([...statuses.values()]).toEqual(ids.map(() => 'SUCCESS'));
  expect(Object.values(await ledgerOf(app, ids))).toEqual(ids.map(() => ['RESERVATION']));
  expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', bucket: 'ok' } });
  const created = await createThroughApi(apiKey);
  expect(created.body).toMatchObject({ data: { createWorkflow: { __typename: 'Workflow' } } });
}, 300_000);
