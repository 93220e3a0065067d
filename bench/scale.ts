// `npm run bench -- scale` (or `npx node bench/scale.ts [flags]`): several API and worker processes
// on one PostgreSQL and one bucket, clients submitting IMAGE workflows at a steady rate and following
// each over a graphql-ws subscription, with each notifier, with and without PgBouncer.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Client, createClient } from 'graphql-ws';
import pg from 'pg';
import sharp from 'sharp';
import WebSocket from 'ws';
import { createDatabase, migrateToLatest } from '../src/db/database.ts';
import { startEmbeddedS3 } from '../src/embedded/s3.ts';
import { createLogger } from '../src/logger.ts';
import { adminQuery, withDatabase } from '../test/helpers/databases.ts';
import { startPgBouncer } from '../test/helpers/pgbouncer.ts';
import { type RoleProcess, spawnApiProcess, spawnRole } from '../test/helpers/processes.ts';
import type { BenchRow } from './lib/bench-row.ts';

/** A figure as figures() states it; runScale fills in what BenchRow keeps null. */
interface ScaleFigure {
  name: string;
  value: number;
  unit: string;
  baseline?: string;
  baselineValue?: number;
  ratio?: number;
}

export interface ScaleOptions {
  apis: number;
  workers: number;
  clients: number;
  workflows: number;
  /** Submissions a second, spread over the clients. */
  rate: number;
  poolSize: number;
  workerConcurrency: number;
  /** Which setups to run: postgres, postgres+pgbouncer, redis, redis+pgbouncer. */
  configs: string[];
  /** After the last submission, how long the runs may take before any subscriber still waiting counts as lost. */
  timeoutSeconds: number;
  /** Server-level URL of the machine's PostgreSQL (trust auth). */
  adminUrl: string;
  redisUrl: string;
}

export const DEFAULT_SCALE_OPTIONS: ScaleOptions = {
  apis: 4,
  workers: 4,
  clients: 50,
  workflows: 200,
  rate: 20,
  poolSize: 5,
  workerConcurrency: 2,
  timeoutSeconds: 300,
  configs: ['postgres', 'postgres+pgbouncer', 'redis', 'redis+pgbouncer'],
  adminUrl: 'postgres://root@127.0.0.1:5432/test',
  redisUrl: 'redis://127.0.0.1:6379',
};

const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

interface Followed {
  submittedAt: number;
  id?: string;
  successAt?: number;
  ended?: 'SUCCESS' | 'FAILED' | 'CANCELED' | 'ERROR';
  /** Why the submission or the stream failed. */
  error?: string;
  /** Subscriptions that failed (SERVICE_UNAVAILABLE) and were made again. */
  resubscribed?: number;
  /** The run's status in the database once the clients are done. */
  stored?: string;
}

/** Runs each configuration in turn; one row per figure and configuration. */
export async function runScale(overrides: Partial<ScaleOptions> = {}): Promise<BenchRow[]> {
  const options = { ...DEFAULT_SCALE_OPTIONS, ...overrides };
  const logger = createLogger('warn');
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'framewright-bench-scale-'));
  const s3 = await startEmbeddedS3(path.join(scratch, 's3'), logger);
  const rows: BenchRow[] = [];
  try {
    for (const config of options.configs) {
      const figures = await runConfiguration(config, options, s3);
      rows.push(
        ...figures.map((f) => ({ ...f, baseline: f.baseline ?? null, baselineValue: f.baselineValue ?? null, ratio: f.ratio ?? null })),
      );
    }
  } finally {
    await s3.stop();
    await rm(scratch, { recursive: true, force: true });
  }
  return rows;
}

async function runConfiguration(
  config: string,
  options: ScaleOptions,
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string },
): Promise<ScaleFigure[]> {
  const [notifier, via] = config.split('+') as ['postgres' | 'redis', string | undefined];
  const suffix = randomBytes(5).toString('hex');
  const database = `framewright_bench_${suffix}`;
  await adminQuery(options.adminUrl, `CREATE DATABASE ${database}`);
  const directUrl = withDatabase(options.adminUrl, database);
  const migrated = createDatabase(directUrl, { poolSize: 1 });
  await migrateToLatest(migrated);
  await migrated.destroy();
  const bouncer = via === 'pgbouncer' ? await startPgBouncer(directUrl, { poolSize: 100 }) : undefined;
  const env: Record<string, string> = {
    DATABASE_URL: bouncer?.url ?? directUrl,
    DATABASE_LISTEN_URL: directUrl,
    DATABASE_POOL_SIZE: String(options.poolSize),
    NOTIFIER: notifier,
    ...(notifier === 'redis' ? { REDIS_URL: options.redisUrl } : {}),
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: `fw-bench-${suffix}`,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
    ADMIN_API_KEY: ADMIN_KEY,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    WORKER_CONCURRENCY: String(options.workerConcurrency),
  };
  const processes: RoleProcess[] = [];
  try {
    const apis = await Promise.all(Array.from({ length: options.apis }, () => spawnApiProcess({ ...env, LOG_LEVEL: 'info' })));
    processes.push(...apis);
    const workers = await Promise.all(
      Array.from({ length: options.workers }, () =>
        spawnRole('worker', {
          env: { ...env, LOG_LEVEL: 'info' },
          ready: (line) => typeof line === 'object' && line['msg'] === 'worker started',
        }),
      ),
    );
    processes.push(...workers);
    const urls = apis.map((api) => `http://127.0.0.1:${api.port}/graphql`);
    const sampler = sampleConnections(options.adminUrl, database);
    const started = Date.now();
    const followed = await drive(urls, options);
    const maxConnections = await sampler.stop();
    await readStoredStatuses(options.adminUrl, database, followed);
    reportFailures(config, followed);
    // With Postgres LISTEN: two per API process (workflow events, key revocations), one per worker.
    const listeners = notifier === 'postgres' ? 2 * options.apis + options.workers : 0;
    return figures(config, followed, {
      started,
      maxConnections,
      bound: options.poolSize * (options.apis + options.workers) + listeners,
    });
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await bouncer?.stop();
    await adminQuery(options.adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

/** The clients' part: submit at the rate, follow each submission to its end. */
async function drive(urls: string[], options: ScaleOptions): Promise<Followed[]> {
  const apiKey = await createCustomer(urls[0]!, options.workflows * 2);
  const png = await sharp({ create: { width: 64, height: 48, channels: 4, background: { r: 200, g: 40, b: 40, alpha: 1 } } })
    .extend({ top: 8, bottom: 8, left: 8, right: 8, background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png()
    .toBuffer();
  const clients: Client[] = Array.from({ length: options.clients }, (_, i) =>
    createClient({
      url: urls[i % urls.length]!.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${apiKey}` },
      lazy: true,
      retryAttempts: 5,
    }),
  );
  const followed: Followed[] = [];
  const done: Array<Promise<void>> = [];
  const interval = 1000 / options.rate;
  const start = Date.now();
  try {
    for (let i = 0; i < options.workflows; i++) {
      const wait = start + i * interval - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const entry: Followed = { submittedAt: Date.now() };
      followed.push(entry);
      // Submitted to one API process, followed on another (the client's own): events cross processes.
      done.push(submitAndFollow(urls[(i + 1) % urls.length]!, clients[i % clients.length]!, apiKey, png, entry));
    }
    const deadline = new Promise((resolve) => setTimeout(resolve, options.timeoutSeconds * 1000).unref());
    await Promise.race([Promise.all(done), deadline]);
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
  }
  return followed;
}

/** A client as the API asks: SERVICE_UNAVAILABLE is retried after a pause (with the same idempotency key). */
const RETRIES = 5;
const RETRY_PAUSE_MS = 5000;

async function submitAndFollow(url: string, client: Client, apiKey: string, png: Buffer, entry: Followed): Promise<void> {
  const idempotencyKey = randomBytes(8).toString('hex');
  for (let attempt = 0; attempt <= RETRIES && !entry.id; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    const outcome = await submit(url, apiKey, png, idempotencyKey);
    entry.id = outcome.id;
    if (!entry.id) entry.error = `submit: ${outcome.error}`;
    if (!entry.id && !outcome.error.includes('SERVICE_UNAVAILABLE')) break;
  }
  if (!entry.id) {
    entry.ended = 'ERROR';
    return;
  }
  entry.error = undefined;
  for (let attempt = 0; attempt <= RETRIES && entry.ended === undefined; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    await follow(client, entry);
  }
  entry.ended ??= 'ERROR';
}

async function submit(url: string, apiKey: string, png: Buffer, idempotencyKey: string): Promise<{ id?: string; error: string }> {
  const form = new FormData();
  const query = 'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename ... on Workflow { id } } }';
  const input = {
    title: 'bench',
    model: 'vim_new_year_2026',
    primaryUserId: 'bench',
    options: { pipelineMode: 'IMAGE' },
    idempotencyKey,
    source: null,
  };
  form.set('operations', JSON.stringify({ query, variables: { input } }));
  form.set('map', JSON.stringify({ 0: ['variables.input.source'] }));
  form.set('0', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'subject.png');
  const response = await fetch(url, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${apiKey}`, 'graphql-require-preflight': '1' },
  });
  const body = (await response.json()) as { data?: { createWorkflow?: { id?: string } }; errors?: unknown };
  return { id: body.data?.createWorkflow?.id, error: JSON.stringify(body.errors ?? body.data).slice(0, 200) };
}

/** One subscription to the end of the run; an error leaves `ended` unset, so the caller subscribes again. */
function follow(client: Client, entry: Followed): Promise<void> {
  return new Promise<void>((resolve) => {
    client.subscribe<{ workflowProgress: { processingStatus: string } }>(
      { query: 'subscription($id: ID!) { workflowProgress(id: $id) { processingStatus version } }', variables: { id: entry.id } },
      {
        next: (result) => {
          const status = result.data?.workflowProgress.processingStatus;
          if (status === 'SUCCESS') entry.successAt ??= Date.now();
          if (status === 'SUCCESS' || status === 'FAILED' || status === 'CANCELED') entry.ended = status;
        },
        error: (error: unknown) => {
          entry.error = `stream: ${JSON.stringify(error instanceof Error ? error.message : error).slice(0, 200)}`;
          entry.resubscribed = (entry.resubscribed ?? 0) + 1;
          resolve();
        },
        complete: resolve,
      },
    );
  });
}

function figures(config: string, followed: Followed[], run: { started: number; maxConnections: number; bound: number }): ScaleFigure[] {
  const latencies = followed
    .filter((f) => f.successAt !== undefined)
    .map((f) => f.successAt! - f.submittedAt)
    .sort((a, b) => a - b);
  const succeeded = latencies.length;
  // Lost: the database says SUCCESS, the subscriber never heard it (its stream ended, failed or
  // is still waiting). Submissions refused and runs that did not succeed are counted apart.
  const lost = followed.filter((f) => f.stored === 'SUCCESS' && f.ended !== 'SUCCESS').length;
  const refused = followed.filter((f) => !f.id).length;
  const unfinished = followed.filter((f) => f.id && f.stored !== 'SUCCESS').length;
  const lastSuccess = Math.max(...followed.map((f) => f.successAt ?? 0));
  const seconds = (Math.max(lastSuccess, run.started + 1) - run.started) / 1000;
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return [
    {
      name: `scale ${config}: workflows to SUCCESS`,
      value: succeeded,
      unit: 'workflows',
      baseline: 'submitted',
      baselineValue: followed.length,
    },
    { name: `scale ${config}: throughput`, value: round(succeeded / seconds), unit: 'workflows/s' },
    { name: `scale ${config}: submit to SUCCESS p50`, value: percentile(50), unit: 'ms' },
    { name: `scale ${config}: submit to SUCCESS p99`, value: percentile(99), unit: 'ms' },
    { name: `scale ${config}: events lost`, value: lost, unit: 'subscriptions', baseline: 'required', baselineValue: 0 },
    { name: `scale ${config}: submissions refused after ${RETRIES} retries`, value: refused, unit: 'workflows' },
    {
      name: `scale ${config}: subscriptions made again after SERVICE_UNAVAILABLE`,
      value: followed.reduce((sum, f) => sum + (f.resubscribed ?? 0), 0),
      unit: 'subscriptions',
    },
    { name: `scale ${config}: runs not SUCCESS at the end`, value: unfinished, unit: 'workflows' },
    {
      name: `scale ${config}: most PostgreSQL connections`,
      value: run.maxConnections,
      unit: 'connections',
      baseline: 'pool size × processes + listeners',
      baselineValue: run.bound,
      ratio: round(run.maxConnections / run.bound),
    },
  ];
}

/** The final status of every submitted run, read after the clients are done. */
async function readStoredStatuses(adminUrl: string, database: string, followed: Followed[]): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(adminUrl, database) });
  await client.connect();
  try {
    const ids = followed.flatMap((f) => (f.id ? [f.id] : []));
    const { rows } = await client.query<{ id: string; processing_status: string }>(
      'SELECT id, processing_status FROM workflows WHERE id = ANY($1::uuid[])',
      [ids],
    );
    const statuses = new Map(rows.map((row) => [row.id, row.processing_status]));
    for (const f of followed) if (f.id) f.stored = statuses.get(f.id);
  } finally {
    await client.end();
  }
}

/** What went wrong, on stderr, so a figure that is off can be explained. */
function reportFailures(config: string, followed: Followed[]): void {
  const reasons = new Map<string, number>();
  for (const f of followed) {
    if (f.ended === 'SUCCESS') continue;
    const reason = f.error ?? `no SUCCESS event (stored ${f.stored ?? 'unknown'}, last ${f.ended ?? 'nothing'})`;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  for (const [reason, count] of reasons) process.stderr.write(`[${config}] ${count} × ${reason}\n`);
}

/** The most connections to the bench database seen, sampled every 200 ms. */
function sampleConnections(adminUrl: string, database: string): { stop(): Promise<number> } {
  const client = new pg.Client({ connectionString: adminUrl });
  let max = 0;
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [database]);
      max = Math.max(max, Number(rows[0]!.n));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await client.end();
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return max;
    },
  };
}

async function createCustomer(url: string, credits: number): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({
      query: 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { apiKey } }',
      variables: { input: { name: 'bench', credits } },
    }),
  });
  const body = (await response.json()) as { data?: { createCustomer?: { apiKey?: string } } };
  const key = body.data?.createCustomer?.apiKey;
  if (!key) throw new Error(`could not create the bench customer: ${JSON.stringify(body)}`);
  return key;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function parseOptions(argv: string[]): Partial<ScaleOptions> {
  const { values } = parseArgs({
    args: argv,
    options: {
      apis: { type: 'string' },
      workers: { type: 'string' },
      clients: { type: 'string' },
      workflows: { type: 'string' },
      rate: { type: 'string' },
      'pool-size': { type: 'string' },
      'worker-concurrency': { type: 'string' },
      timeout: { type: 'string' },
      configs: { type: 'string' },
    },
    allowPositionals: true,
  });
  const num = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const picked: Partial<ScaleOptions> = {
    apis: num(values.apis),
    workers: num(values.workers),
    clients: num(values.clients),
    workflows: num(values.workflows),
    rate: num(values.rate),
    poolSize: num(values['pool-size']),
    workerConcurrency: num(values['worker-concurrency']),
    timeoutSeconds: num(values.timeout),
    configs: values.configs?.split(','),
    adminUrl: process.env['DATABASE_URL'] || undefined,
    redisUrl: process.env['REDIS_URL'] || undefined,
  };
  return Object.fromEntries(Object.entries(picked).filter(([, value]) => value !== undefined));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const options = parseOptions(process.argv.slice(2));
  // One configuration at a time, printed as it ends: a long run shows its figures as it goes.
  for (const config of options.configs ?? DEFAULT_SCALE_OPTIONS.configs) {
    for (const row of await runScale({ ...options, configs: [config] })) {
      const against = row.baselineValue === undefined ? '' : `  (${row.baseline}: ${row.baselineValue})`;
      process.stdout.write(`${row.name.padEnd(60)} ${String(row.value).padStart(10)} ${row.unit}${against}\n`);
    }
  }
  process.stdout.write(`\nwall time ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  process.exit(0);
}
