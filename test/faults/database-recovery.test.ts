import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import { limits } from '../../src/config.ts';
import { createDatabase, type Database, migrateToLatest } from '../../src/db/database.ts';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from '../../src/embedded/postgres.ts';
import { flows } from '../../src/jobs/flows/index.ts';
import { type JobRunner, startJobRunner } from '../../src/jobs/runner.ts';
import { createLogger } from '../../src/logger.ts';
import { OPERATOR } from '../../src/modules/auth/viewer.ts';
import { createServices, type Services } from '../../src/services.ts';
import { Storage } from '../../src/storage/s3.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { eventually } from '../helpers/processes.ts';

// The API and the worker on a PostgreSQL of their own, stopped and started again under them by
// someone else (an operator, a crash and restart): they must come back by themselves.
const logger = createLogger(process.env['TEST_LOG_LEVEL'] ?? 'silent');
let scratch: string;
let postgres: EmbeddedPostgresHandle | undefined;
let db: Database;
let storage: Storage;
let services: Services;
let app: App;
let runner: JobRunner;
let base: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'framewright-recovery-'));
  await chmod(scratch, 0o755);
  postgres = await startEmbeddedPostgres(path.join(scratch, 'postgres'), logger);
  db = createDatabase(postgres.url, { poolSize: 5, logger });
  await migrateToLatest(db, logger);
  storage = new Storage({
    endpoint: inject('s3Endpoint'),
    region: 'us-east-1',
    bucket: `fw-recovery-${randomBytes(6).toString('hex')}`,
    forcePathStyle: true,
    accessKeyId: inject('s3AccessKeyId'),
    secretAccessKey: inject('s3SecretAccessKey'),
  });
  await storage.ensureBucket();
  services = createServices({ config: { adminApiKey: undefined, limits }, db, storage, logger });
  app = buildApp({ services, db, storage, logger, limits, databaseUrl: postgres.url, shutdownGraceMs: 2000 });
  base = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
  runner = startJobRunner({
    db,
    databaseUrl: postgres.url,
    storage,
    credits: services.credits,
    webhooks: services.webhooks,
    flows,
    logger,
    concurrency: 1,
    leaseSeconds: 30,
    pollIntervalMs: 500,
  });
}, 120_000);

afterAll(async () => {
  await runner?.stop(0);
  await app?.stop();
  await db?.destroy();
  storage?.destroy();
  await postgres?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function me(apiKey: string): Promise<{ credits?: number; errorCode?: unknown }> {
  const response = await fetch(`${base}/graphql`, {
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
  const { customer, apiKey } = await services.customers.create(OPERATOR, { name: 'Patient', credits: 10 });
  expect(await me(apiKey)).toEqual({ credits: 10 });

  const port = postgres!.port;
  await postgres!.stop();
  postgres = undefined;
  expect(await me(apiKey)).toEqual({ errorCode: 'SERVICE_UNAVAILABLE' });
  expect((await fetch(`${base}/readyz`)).status).toBe(503);

  postgres = await startEmbeddedPostgres(path.join(scratch, 'postgres'), logger, port);

  await eventually('GraphQL answers again', async () => ((await me(apiKey)).credits === 10 ? true : undefined));
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  // The worker claims and finishes a job queued after the outage.
  const png = await pngWithTransparentBorder(80, 40);
  const workflow = await services.workflows.create(
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
      const { processingStatus } = await services.workflows.get({ kind: 'customer', customerId: customer.id }, workflow.id);
      return processingStatus === 'SUCCESS' || processingStatus === 'FAILED' ? processingStatus : undefined;
    },
    90_000,
  );
  expect(status).toBe('SUCCESS');
}, 180_000);
