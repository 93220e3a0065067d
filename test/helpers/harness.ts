import { randomBytes } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { sql } from 'kysely';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { defaultHttpSettings, defaultWebhookConfig, type HttpSettings, limits, type WebhookConfig } from '../../src/config.ts';
import type { Publisher } from '../../src/db/after-commit.ts';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import { OPERATOR } from '../../src/modules/auth/viewer.ts';
import { createNotifier, type Notifier } from '../../src/notifier/index.ts';
import { createServices, type Services } from '../../src/services.ts';
import { Storage } from '../../src/storage/s3.ts';
import { flows } from '../../src/worker/flows/index.ts';
import { type JobRunner, type JobRunnerOptions, startJobRunner } from '../../src/worker/runner.ts';
import { adminQuery, withDatabase } from './databases.ts';
import { trackRunning } from './leaks.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
/** WEBHOOK_SECRET_KEY of every test app and its child processes (32 bytes). */
export const WEBHOOK_SECRET_KEY = Buffer.from('test-webhook-secret-key-32-bytes');

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

export interface UploadPart {
  /** Variable path of the file, e.g. "input.source". */
  path: string;
  bytes: Uint8Array;
  filename: string;
  contentType: string;
}

export type WorkerOptions = Partial<Omit<JobRunnerOptions, 'db' | 'databaseUrl' | 'storage' | 'credits' | 'webhooks' | 'logger'>>;

export interface TestApp {
  url: string;
  /** This test's own database, directly (LISTEN goes here). */
  databaseUrl: string;
  /** What the app's pool uses: databaseUrl, or PgBouncer in transaction mode in front of it (TEST_PGBOUNCER=1). */
  poolUrl: string;
  /** The app's notifier: Postgres LISTEN/NOTIFY, or Redis with TEST_NOTIFIER=redis. */
  notifier: Notifier;
  /** Starts a job runner in this process on this app's database and bucket (stopped by stop()). */
  startWorker(options?: WorkerOptions): JobRunner;
  /** Environment for a `framewright` child process that shares this app's database and bucket. */
  serviceEnv: Record<string, string>;
  db: Database;
  storage: Storage;
  services: Services;
  /** Sends an operation; `key` goes into the Authorization header. */
  gql<R, V>(
    document: TypedDocumentNode<R, V>,
    variables: V,
    options?: { key?: string; authorization?: string; files?: UploadPart[] },
  ): Promise<GraphQLResponse<R>>;
  createCustomer(credits: number, name?: string): Promise<{ customerId: string; apiKey: string }>;
  /** Every object key in the test's bucket under a prefix. */
  listObjects(prefix?: string): Promise<string[]>;
  /** The SQL statements this app's pool ran while `work` ran (other work in flight counts too). */
  queriesDuring(work: () => Promise<unknown>): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * A whole app on a free port, on its own database (cloned from the migrated template) and its
 * own bucket, against the run's real Postgres and S3 server.
 */
export async function startTestApp(
  options: {
    clock?: () => Date;
    limits?: Partial<typeof limits>;
    /** METRICS_TOKEN and CORS_ORIGINS, over their defaults. */
    http?: Partial<HttpSettings>;
    /** Runs a job runner in this process, with these options over fast test defaults. */
    worker?: WorkerOptions;
    /** Webhook settings over the test defaults: private networks allowed (receivers run on loopback), 1 s retry base. */
    webhooks?: Partial<WebhookConfig>;
    /** Another S3 server than the run's shared one (an s3rver: same key pair), for tests that stop it. */
    s3Endpoint?: string;
  } = {},
): Promise<TestApp> {
  const suffix = randomBytes(6).toString('hex');
  const database = `framewright_test_${suffix}`;
  const adminUrl = inject('adminDatabaseUrl');
  await adminQuery(adminUrl, `CREATE DATABASE ${database} TEMPLATE ${inject('templateDatabase')}`);
  const logger = createLogger(process.env['TEST_LOG_LEVEL'] ?? 'silent');
  const databaseUrl = withDatabase(adminUrl, database);
  const pooled = inject('pooledDatabaseUrl');
  const poolUrl = pooled ? withDatabase(pooled, database) : databaseUrl;
  const { notifier, publisher, notifierEnv } = await testNotifier(databaseUrl, logger);
  const queries: string[] = [];
  const db = createDatabase(poolUrl, { poolSize: 20, logger, publisher, onQuery: (statement) => queries.push(statement) });
  const bucket = `fw-test-${suffix}`;
  const s3Endpoint = options.s3Endpoint ?? inject('s3Endpoint');
  const storage = new Storage({
    endpoint: s3Endpoint,
    region: 'us-east-1',
    bucket,
    forcePathStyle: true,
    accessKeyId: inject('s3AccessKeyId'),
    secretAccessKey: inject('s3SecretAccessKey'),
  });
  await storage.ensureBucket();
  const appLimits = { ...limits, ...options.limits };
  const webhooks: WebhookConfig = { ...defaultWebhookConfig, allowPrivateNetworks: true, retryBaseSeconds: 1, ...options.webhooks };
  const services = createServices({
    config: { adminApiKey: ADMIN_KEY, limits: appLimits, webhooks, webhookSecretKey: WEBHOOK_SECRET_KEY },
    db,
    storage,
    logger,
    clock: options.clock,
  });
  const http = { ...defaultHttpSettings, ...options.http };
  const app = buildApp({ services, db, storage, logger, limits: appLimits, http, databaseUrl, notifier, shutdownGraceMs: 5000 });
  const port = await app.listen(0, '127.0.0.1');
  const runners: JobRunner[] = [];
  let untrackApp = () => {};
  const startWorker = (workerOptions: WorkerOptions = {}) => {
    const runner = startJobRunner({
      db,
      databaseUrl,
      notifier,
      storage,
      credits: services.credits,
      webhooks: services.webhooks,
      logger,
      flows,
      concurrency: 2,
      leaseSeconds: 5,
      pollIntervalMs: 500,
      backoffMs: () => 200,
      ...workerOptions,
    });
    const untrack = trackRunning(runner, `a job runner (${runner.workerId}) of the test app on port ${port}`, () => runner.stop(0));
    const tracked: JobRunner = { workerId: runner.workerId, stop: (graceMs) => runner.stop(graceMs).finally(untrack) };
    runners.push(tracked);
    return tracked;
  };
  if (options.worker) startWorker(options.worker);
  const serviceEnv = {
    DATABASE_URL: poolUrl,
    DATABASE_LISTEN_URL: databaseUrl,
    ...notifierEnv,
    S3_ENDPOINT: s3Endpoint,
    S3_BUCKET: bucket,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: inject('s3AccessKeyId'),
    AWS_SECRET_ACCESS_KEY: inject('s3SecretAccessKey'),
    ADMIN_API_KEY: ADMIN_KEY,
    WEBHOOK_SECRET_KEY: WEBHOOK_SECRET_KEY.toString('base64'),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: String(webhooks.allowPrivateNetworks),
    WEBHOOK_RETRY_BASE_SECONDS: String(webhooks.retryBaseSeconds),
    WEBHOOK_MAX_ATTEMPTS: String(webhooks.maxAttempts),
  };
  const url = `http://127.0.0.1:${port}/graphql`;

  const gql: TestApp['gql'] = async (document, variables, opts = {}) => {
    const headers: Record<string, string> = {};
    const authorization = opts.authorization ?? (opts.key ? `Bearer ${opts.key}` : undefined);
    if (authorization) headers['authorization'] = authorization;
    let body: BodyInit;
    if (opts.files?.length) {
      const form = new FormData();
      form.set('operations', JSON.stringify({ query: print(document), variables }));
      form.set('map', JSON.stringify(Object.fromEntries(opts.files.map((f, i) => [String(i), [`variables.${f.path}`]]))));
      for (const [i, f] of opts.files.entries())
        form.set(String(i), new Blob([new Uint8Array(f.bytes)], { type: f.contentType }), f.filename);
      body = form;
      // graphql-yoga's CSRF guard asks multipart requests for one of these headers.
      headers['graphql-require-preflight'] = 'true';
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify({ query: print(document), variables });
    }
    const response = await fetch(url, { method: 'POST', headers, body });
    const json = (await response.json()) as GraphQLResponse<never>;
    return { ...json, status: response.status };
  };

  const testApp: TestApp = {
    url,
    databaseUrl,
    poolUrl,
    notifier,
    startWorker,
    serviceEnv,
    db,
    storage,
    services,
    gql,
    createCustomer: async (credits, name = 'Test customer') => {
      const { customer, apiKey } = await services.customers.create(OPERATOR, { name, credits });
      return { customerId: customer.id, apiKey };
    },
    listObjects: (prefix = '') => storage.list(prefix),
    queriesDuring: async (work) => {
      const from = queries.length;
      await work();
      return queries.slice(from);
    },
    stop: async () => {
      untrackApp();
      await Promise.all(runners.map((runner) => runner.stop(0)));
      await app.stop();
      await db.destroy();
      await notifier.stop();
      storage.destroy();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
  untrackApp = trackRunning(testApp, `the test app on port ${port}`, () => testApp.stop());
  return testApp;
}

/**
 * The notifier the run asks for: TEST_NOTIFIER=redis (REDIS_URL from TEST_REDIS_URL, by default
 * the machine's 127.0.0.1:6379) or Postgres; the same choice goes to child processes.
 */
async function testNotifier(
  databaseUrl: string,
  logger: ReturnType<typeof createLogger>,
): Promise<{ notifier: Notifier; publisher: Publisher | undefined; notifierEnv: Record<string, string> }> {
  if (process.env['TEST_NOTIFIER'] !== 'redis') {
    const { notifier } = await createNotifier({ config: { kind: 'postgres' }, listenUrl: databaseUrl, logger });
    return { notifier, publisher: undefined, notifierEnv: {} };
  }
  const redisUrl = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const { notifier, publisher } = await createNotifier({ config: { kind: 'redis', redisUrl }, listenUrl: databaseUrl, logger });
  return { notifier, publisher, notifierEnv: { NOTIFIER: 'redis', REDIS_URL: redisUrl } };
}

/** Rows of a table, for tests that check nothing was left behind. */
export async function countRows(
  db: Database,
  table: 'workflows' | 'completions' | 'media_files' | 'jobs' | 'idempotency_keys' | 'credit_ledger' | 'uploads',
): Promise<number> {
  const result = await sql<{ count: string }>`SELECT count(*) AS count FROM ${sql.table(table)}`.execute(db);
  return Number(result.rows[0]!.count);
}
