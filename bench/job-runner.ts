// The job runner: no-op jobs drained by 2 `framewright worker` processes, then by 2 graphile-worker
// processes with the same concurrency on the same database; and enqueue-to-start latency with idle workers.
//
// The runner has no job kind that does nothing, so a no-op job is the cheapest job it has: a
// WORKFLOW_RUN whose workflow has no flows to run. The worker claims it, marks the workflow
// PROCESSING, finds nothing pending, and marks it SUCCESS with the job DONE: the per-job cost of
// the queue and the run's bookkeeping, with no media work.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { runMigrations } from 'graphile-worker';
import pg from 'pg';
import { type BenchRow, row } from './lib/bench-row.ts';
import type { BenchContext } from './lib/context.ts';
import { cpuMs } from './lib/cpu.ts';
import { type Child, ROOT, startNode, waitForLog } from './lib/processes.ts';
import { startWorker } from './lib/services.ts';
import { nowMs, sleep, summary } from './lib/stats.ts';

const JOBS = Number(process.env['BENCH_RUNNER_JOBS'] ?? 5000);
const CONCURRENCY = Number(process.env['BENCH_RUNNER_CONCURRENCY'] ?? 2);
const LATENCY_SAMPLES = 100;

async function insertNoopRuns(client: pg.Client, customerId: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await client.query('BEGIN');
  await client.query(
    `INSERT INTO workflows (id, customer_id, title, visibility, model, aspect_ratio, pipeline_mode, primary_user_id, credit_cost)
     SELECT id, $2, 'no-op', 'PRIVATE', 'vim_new_year_2026', '16:9', 'IMAGE', 'bench', 0 FROM unnest($1::uuid[]) AS id`,
    [ids, customerId],
  );
  await client.query('INSERT INTO jobs (workflow_id) SELECT unnest($1::uuid[])', [ids]);
  await client.query(`SELECT pg_notify('framewright_jobs', 'WORKFLOW_RUN:bench')`);
  await client.query('COMMIT');
  return ids;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`runner: ${what} did not happen within ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function count(client: pg.Client, query: string): Promise<number> {
  return Number((await client.query<{ n: string }>(query)).rows[0]!.n);
}

/** Our runner: the drain rate, then one job at a time with idle workers until it shows up PROCESSING. */
interface RunnerFigures {
  jobsPerSecond: number;
  /** CPU time of the worker processes (both) per job drained; the database's share is not in it. */
  cpuMsPerJob: number;
  latencies: number[];
}

const cpuOf = (workers: Child[]) => workers.reduce((sum, worker) => sum + cpuMs(worker.process.pid), 0);

async function measureFramewright(context: BenchContext, client: pg.Client): Promise<RunnerFigures> {
  const env = { WORKER_CONCURRENCY: String(CONCURRENCY) };
  const workers = await Promise.all([
    startWorker(context.stack, 'runner-worker-1', env),
    startWorker(context.stack, 'runner-worker-2', env),
  ]);
  const customerId = (
    await client.query<{ id: string }>(`INSERT INTO customers (id, name) VALUES ($1, 'Runner bench') RETURNING id`, [randomUUID()])
  ).rows[0]!.id;
  context.log(`runner: ${JOBS} no-op jobs, 2 framewright workers x ${CONCURRENCY}`);
  const started = nowMs();
  const cpuBefore = cpuOf(workers);
  await insertNoopRuns(client, customerId, JOBS);
  await waitUntil(async () => (await count(client, `SELECT count(*) AS n FROM jobs WHERE status = 'DONE'`)) >= JOBS, 480_000, 'the drain');
  const jobsPerSecond = JOBS / ((nowMs() - started) / 1000);
  const cpuMsPerJob = (cpuOf(workers) - cpuBefore) / JOBS;

  const listener = new pg.Client({ connectionString: context.stack.databaseUrl });

  // The bench stops the database at the end, maybe before this client: that is no crash.

  listener.on('error', () => {});
  await listener.connect();
  const processingAt = new Map<string, number>();
  listener.on('notification', (message) => {
    const at = nowMs();
    const notice = JSON.parse(message.payload ?? '{}') as { workflowId?: string };
    if (notice.workflowId && !processingAt.has(notice.workflowId)) processingAt.set(notice.workflowId, at);
  });
  await listener.query('LISTEN framewright_workflow_events');
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const [id] = await insertNoopRuns(client, customerId, 1);
    const committed = nowMs();
    await waitUntil(async () => processingAt.has(id!), 30_000, 'a start');
    latencies.push(processingAt.get(id!)! - committed);
    await sleep(20 + Math.random() * 30);
  }
  await listener.end();
  await Promise.all(workers.map((worker) => worker.stop()));
  return { jobsPerSecond, cpuMsPerJob, latencies };
}

/** graphile-worker with the same concurrency, on the same database, the same count of no-op jobs. */
async function measureGraphile(context: BenchContext, client: pg.Client): Promise<RunnerFigures> {
  await runMigrations({ connectionString: context.stack.databaseUrl });
  const starts = new Map<number, number>();
  const script = path.join(ROOT, 'bench', 'load', 'graphile-drain.ts');
  const env = { DATABASE_URL: context.stack.databaseUrl, WORKER_CONCURRENCY: String(CONCURRENCY) };
  const workers: Child[] = [startNode('graphile-worker-1', [script], env), startNode('graphile-worker-2', [script], env)];
  for (const worker of workers) {
    worker.process.on('message', (message: { seq: number; startedAt: number }) => starts.set(message.seq, message.startedAt));
    await waitForLog(worker, 'graphile-worker started');
  }
  context.log(`runner: ${JOBS} no-op jobs, 2 graphile-worker processes x ${CONCURRENCY}`);
  const started = nowMs();
  const cpuBefore = cpuOf(workers);
  await client.query(`SELECT graphile_worker.add_job('noop', '{}'::json) FROM generate_series(1, $1)`, [JOBS]);
  const drained = async () => (await count(client, 'SELECT count(*) AS n FROM graphile_worker.jobs')) === 0;
  await waitUntil(drained, 480_000, 'the graphile-worker drain');
  const jobsPerSecond = JOBS / ((nowMs() - started) / 1000);
  const cpuMsPerJob = (cpuOf(workers) - cpuBefore) / JOBS;
  const latencies: number[] = [];
  for (let seq = 0; seq < LATENCY_SAMPLES; seq++) {
    await client.query(`SELECT graphile_worker.add_job('noop', json_build_object('seq', $1::int))`, [seq]);
    const committed = nowMs();
    await waitUntil(async () => starts.has(seq), 30_000, 'a graphile-worker start');
    latencies.push(starts.get(seq)! - committed);
    await sleep(20 + Math.random() * 30);
  }
  await Promise.all(workers.map((worker) => worker.stop()));
  return { jobsPerSecond, cpuMsPerJob, latencies };
}

export async function runJobRunner(context: BenchContext): Promise<BenchRow[]> {
  const client = new pg.Client({ connectionString: context.stack.databaseUrl });
  // The bench stops the database at the end, maybe before this client: that is no crash.
  client.on('error', () => {});
  await client.connect();
  try {
    const ours = await measureFramewright(context, client);
    const theirs = await measureGraphile(context, client);
    const oursLatency = summary(ours.latencies);
    const theirLatency = summary(theirs.latencies);
    const base = `graphile-worker 0.16.6, 2 processes x ${CONCURRENCY}`;
    return [
      row(`runner: ${JOBS} no-op jobs, 2 workers x ${CONCURRENCY}: jobs/s`, ours.jobsPerSecond, 'jobs/s', {
        name: base,
        value: theirs.jobsPerSecond,
      }),
      row('runner: enqueue-to-start, idle workers: p50', oursLatency.p50, 'ms', { name: base, value: theirLatency.p50 }),
      row('runner: enqueue-to-start, idle workers: p99', oursLatency.p99, 'ms', { name: base, value: theirLatency.p99 }),
      row('runner: graphile-worker no-op jobs/s (baseline)', theirs.jobsPerSecond, 'jobs/s'),
      row('runner: worker CPU per no-op job (both processes)', ours.cpuMsPerJob, 'ms', { name: base, value: theirs.cpuMsPerJob }),
    ];
  } finally {
    await client.end();
  }
}
