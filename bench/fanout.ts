// Fan-out: 5,000 subscribers on one workflow and 10,000 subscribers on 10,000 workflows, over 2 API
// processes, while 20 runs go on at once. The subscribers live in processes of their own, 1,000 to
// a process, so that the clients' parsing neither slows one another nor the API. Latency runs from the change's commit (the moment the
// bench's own LISTEN connection hears its NOTIFY, which Postgres sends at commit) to each receipt.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { type BenchRow, row } from './lib/bench-row.ts';
import { createCustomer, createWorkflow, gql, inputImage, waitForSuccess } from './lib/client.ts';
import type { BenchContext } from './lib/context.ts';
import { cpuMs } from './lib/cpu.ts';
import { type Child, ROOT, startNode } from './lib/processes.ts';
import { type ApiProcess, startApi, startWorker } from './lib/services.ts';
import { nowMs, sleep, summary } from './lib/stats.ts';

const ONE_WORKFLOW_SUBSCRIBERS = Number(process.env['BENCH_FANOUT_SUBSCRIBERS'] ?? 5000);
const SPREAD_WORKFLOWS = Number(process.env['BENCH_FANOUT_SPREAD'] ?? 10_000);
const SUBSCRIBERS_PER_PROCESS = Number(process.env['BENCH_FANOUT_PER_PROCESS'] ?? 1000);
/**
 * BENCH_FANOUT_CPU_PROF: a folder for a V8 CPU profile of each API process (written when it stops),
 * with `changes.json`: the monotonic clock (µs, the profiles' own) when the workers started and when
 * the changes ended, so a profile can be read for the changes alone.
 */
const CPU_PROF = process.env['BENCH_FANOUT_CPU_PROF'] || undefined;
const CONCURRENT_RUNS = 20;
const HOT_CHANGES = 10;

const UPDATE = `mutation($id: ID!, $title: String!) { updateWorkflow(id: $id, input: { title: $title }) {
  __typename ... on Workflow { version } } }`;

/** Followed workflows that never run: QUEUED, with no job, so only the bench's changes move them. */
async function idleWorkflows(client: pg.Client, customerId: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await client.query(
    `INSERT INTO workflows (id, customer_id, title, visibility, model, aspect_ratio, pipeline_mode, primary_user_id, credit_cost)
     SELECT id, $2, 'idle', 'PRIVATE', 'vim_new_year_2026', '16:9', 'IMAGE', 'bench', 0 FROM unnest($1::uuid[]) AS id`,
    [ids, customerId],
  );
  return ids;
}

/** The commit time of every change: the bench hears each NOTIFY like any API process does. */
async function listenForCommits(databaseUrl: string): Promise<{ commits: Map<string, number>; stop(): Promise<void> }> {
  const commits = new Map<string, number>();
  const client = new pg.Client({ connectionString: databaseUrl });
  // The bench stops the database at the end, maybe before this client: that is no crash.
  client.on('error', () => {});
  await client.connect();
  client.on('notification', (message) => {
    const at = nowMs();
    const notice = JSON.parse(message.payload ?? '{}') as { workflowId: string; version: number };
    commits.set(`${notice.workflowId}:${notice.version}`, at);
  });
  await client.query('LISTEN framewright_workflow_events');
  return { commits, stop: () => client.end() };
}

interface Subscribers {
  processes: number;
  /** CPU time the subscriber processes have used so far, in ms. */
  cpuMs(): number;
  report(): Promise<Receipt[]>;
}

type Message = { type: string; subscribers?: number; failures?: number; firstFailure?: string; receipts?: Receipt[] };

/** The next message of a type from a subscriber process; a failure or an early exit rejects. */
function nextMessage(child: Child, type: string): Promise<Message> {
  return new Promise<Message>((resolve, reject) => {
    const onMessage = (message: Message) => {
      if (message.type === 'failed') reject(new Error(`subscribers failed: ${message.firstFailure}`));
      if (message.type !== type) return;
      child.process.off('message', onMessage);
      resolve(message);
    };
    child.process.on('message', onMessage);
    void child.exited.then(() => reject(new Error(`subscribers exited; see ${child.logFile}`)));
  });
}

/**
 * Subscriber i goes to process i mod n: every process holds its share of the hot workflow's
 * subscribers, so each parses a few hundred messages a change instead of one parsing them all.
 */
async function startSubscribers(context: BenchContext, apis: ApiProcess[], key: string, workflowIds: string[]): Promise<Subscribers> {
  const count = Math.max(1, Math.ceil(workflowIds.length / SUBSCRIBERS_PER_PROCESS));
  const shares = Array.from({ length: count }, () => [] as Array<[number, string]>);
  workflowIds.forEach((workflowId, index) => {
    shares[index % count]!.push([index, workflowId]);
  });
  const children = await Promise.all(
    shares.map(async (subscribers, offset) => {
      const spec = { urls: apis.map((api) => api.url.replace(/^http/, 'ws')), key, subscribers, perConnection: 100, offset };
      const specFile = path.join(context.stack.dir, `subscribers-${offset + 1}.json`);
      await fs.writeFile(specFile, JSON.stringify(spec));
      return startNode(`subscribers-${offset + 1}`, [path.join(ROOT, 'bench', 'load', 'subscribers.ts'), specFile], {});
    }),
  );
  const ready = await Promise.all(children.map((child) => nextMessage(child, 'ready')));
  const failed = ready.find((message) => message.failures);
  if (failed) throw new Error(`${failed.failures} subscriptions failed: ${failed.firstFailure}`);
  return {
    processes: count,
    cpuMs: () => children.reduce((sum, child) => sum + cpuMs(child.process.pid), 0),
    report: async () => {
      const replies = children.map((child) => nextMessage(child, 'receipts'));
      for (const child of children) child.process.send({ type: 'report' });
      return (await Promise.all(replies)).flatMap((reply) => reply.receipts!);
    },
  };
}

export async function runFanout(context: BenchContext): Promise<BenchRow[]> {
  const apiEnv: Record<string, string> = { DATABASE_POOL_SIZE: '20' };
  if (CPU_PROF) apiEnv['NODE_OPTIONS'] = `--cpu-prof --cpu-prof-dir=${CPU_PROF}`;
  const apis = await Promise.all([startApi(context.stack, 'fanout-api-1', apiEnv), startApi(context.stack, 'fanout-api-2', apiEnv)]);
  const customer = await createCustomer(apis[0]!.url, context.stack.adminKey, 'Fan-out bench', 1000);
  const db = new pg.Client({ connectionString: context.stack.databaseUrl });
  // The bench stops the database at the end, maybe before this client: that is no crash.
  db.on('error', () => {});
  await db.connect();
  const [hot] = await idleWorkflows(db, customer.id, 1);
  const idle = await idleWorkflows(db, customer.id, SPREAD_WORKFLOWS - CONCURRENT_RUNS);
  // The runs are queued before anyone follows them; the workers that run them start after.
  const image = await inputImage(400, 300);
  const runs: string[] = [];
  for (let i = 0; i < CONCURRENT_RUNS; i++) runs.push(await createWorkflow(apis[i % 2]!.url, customer.apiKey, image, { mode: 'IMAGE' }));
  const spread = [...idle, ...runs];
  context.log(`fanout: ${ONE_WORKFLOW_SUBSCRIBERS} subscribers on one workflow, ${spread.length} on ${spread.length} workflows`);
  const followed = [...Array<string>(ONE_WORKFLOW_SUBSCRIBERS).fill(hot!), ...spread];
  const subscribers = await startSubscribers(context, apis, customer.apiKey, followed);
  const listener = await listenForCommits(context.stack.databaseUrl);
  const fromCommitStart = nowMs();

  context.log(`fanout: ${CONCURRENT_RUNS} concurrent runs, with changes to the hot workflow and the idle ones`);
  const workersStartUs = monotonicUs();
  const workerEnv = { WORKER_CONCURRENCY: String(CONCURRENT_RUNS / 2) };
  const workers = await Promise.all([
    startWorker(context.stack, 'fanout-worker-1', workerEnv),
    startWorker(context.stack, 'fanout-worker-2', workerEnv),
  ]);
  const runsDone = waitForSuccess(apis[0]!.url, customer.apiKey, runs, 480_000, 1000);
  const cpuBefore = { api: apiCpuMs(apis), subscribers: subscribers.cpuMs() };
  const hotSent = await makeChanges(apis, customer.apiKey, hot!, idle);
  await runsDone;
  await sleep(2000);
  if (CPU_PROF) {
    // The hot changes' sends on the profiles' clock too: wall-clock ms less (wall clock less monotonic clock).
    const offsetMs = nowMs() - monotonicUs() / 1000;
    const hotSentUs = [...hotSent].map(([version, at]) => [version, Math.round((at - offsetMs) * 1000)]);
    const window = { startUs: workersStartUs, endUs: monotonicUs(), hotSentUs };
    await fs.writeFile(path.join(CPU_PROF, 'changes.json'), JSON.stringify(window));
  }
  const cpu = { api: apiCpuMs(apis) - cpuBefore.api, subscribers: subscribers.cpuMs() - cpuBefore.subscribers };
  const receipts = await subscribers.report();
  await listener.stop();
  await Promise.all(workers.map((worker) => worker.stop()));
  await Promise.all(apis.map((api) => api.child.stop()));
  await db.end();
  const run = { hot: hot!, spread, followed, commits: listener.commits, receipts, hotSent, since: fromCommitStart };
  context.log(`fanout: the hot workflow's changes, commit to receipt: ${perChange(hot!, listener.commits, receipts)}`);
  return [...fanoutRows(run), ...cpuRows(cpu, receipts.length, subscribers.processes)];
}

/** p50/p99/max of each change of the hot workflow, in order: which changes make the p99. */
function perChange(hot: string, commits: Map<string, number>, receipts: Receipt[]): string {
  const byVersion = new Map<number, number[]>();
  for (const [, workflowId, version, at] of receipts) {
    const committedAt = commits.get(`${workflowId}:${version}`);
    if (workflowId !== hot || committedAt === undefined) continue;
    const list = byVersion.get(version);
    if (list) list.push(at - committedAt);
    else byVersion.set(version, [at - committedAt]);
  }
  return [...byVersion]
    .sort(([a], [b]) => a - b)
    .map(([version, latencies]) => {
      const { p50, p99, max } = summary(latencies);
      return `v${version} ${latencies.length}x ${p50.toFixed(0)}/${p99.toFixed(0)}/${max.toFixed(0)} ms`;
    })
    .join(', ');
}

/** The clock of V8's CPU profiles (CLOCK_MONOTONIC), in µs. */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function apiCpuMs(apis: ApiProcess[]): number {
  return apis.reduce((sum, api) => sum + cpuMs(api.child.process.pid), 0);
}

/** The hot workflow changes HOT_CHANGES times, 0.5 s apart; idle workflows change in between, a few at a time. */
async function makeChanges(apis: ApiProcess[], key: string, hot: string, idle: string[]): Promise<Map<number, number>> {
  const hotSent = new Map<number, number>();
  for (let change = 0; change < HOT_CHANGES; change++) {
    const sent = nowMs();
    const data = await gql<{ updateWorkflow: { version: number } }>(apis[change % 2]!.url, key, UPDATE, {
      id: hot,
      title: `hot ${change}`,
    });
    hotSent.set(data.updateWorkflow.version, sent);
    for (let i = 0; i < 10; i++) {
      const id = idle[(change * 10 + i) % idle.length]!;
      await gql(apis[i % 2]!.url, key, UPDATE, { id, title: `idle ${change}` });
    }
    await sleep(500);
  }
  return hotSent;
}

/**
 * CPU time from the first change to the report, less sensitive to the machine's load than the
 * latencies: the API processes' includes the 20 runs' progress and the changes' own requests.
 */
function cpuRows(cpu: { api: number; subscribers: number }, receipts: number, processes: number): BenchRow[] {
  return [
    row('fanout: subscriber processes', processes, 'count'),
    row('fanout: API CPU during the changes (2 processes)', cpu.api, 'ms'),
    row('fanout: API CPU per event received', (cpu.api * 1000) / Math.max(1, receipts), 'us'),
    row('fanout: subscriber processes CPU per event received', (cpu.subscribers * 1000) / Math.max(1, receipts), 'us'),
  ];
}

type Receipt = [subscriber: number, workflowId: string, version: number, at: number];

interface Tally {
  latencies: number[];
  owed: number;
  lost: number;
}

/**
 * Latency of each receipt of a committed version, per subscriber. A change is lost for a subscriber
 * that received neither it nor a later version (the feed may skip to the newest state, never stop short).
 */
function tally(followed: string[], only: Set<string>, commits: Map<string, number>, receipts: Receipt[], since: number): Tally {
  const receivedAt = new Map<string, number>();
  const newest = new Map<number, number>();
  for (const [subscriber, workflowId, version, at] of receipts) {
    receivedAt.set(`${subscriber}:${workflowId}:${version}`, at);
    newest.set(subscriber, Math.max(newest.get(subscriber) ?? 0, version));
  }
  const subscribersOf = new Map<string, number[]>();
  followed.forEach((workflowId, subscriber) => {
    if (!only.has(workflowId)) return;
    const list = subscribersOf.get(workflowId);
    if (list) list.push(subscriber);
    else subscribersOf.set(workflowId, [subscriber]);
  });
  const result: Tally = { latencies: [], owed: 0, lost: 0 };
  for (const [key, committedAt] of commits) {
    const [workflowId, versionText] = key.split(':');
    if (committedAt < since) continue;
    const version = Number(versionText);
    for (const subscriber of subscribersOf.get(workflowId!) ?? []) {
      result.owed++;
      const at = receivedAt.get(`${subscriber}:${key}`);
      if (at !== undefined) result.latencies.push(at - committedAt);
      else if ((newest.get(subscriber) ?? 0) <= version) result.lost++;
    }
  }
  return result;
}

function fanoutRows(run: {
  hot: string;
  spread: string[];
  followed: string[];
  commits: Map<string, number>;
  receipts: Receipt[];
  hotSent: Map<number, number>;
  since: number;
}): BenchRow[] {
  const hot = tally(run.followed, new Set([run.hot]), run.commits, run.receipts, run.since);
  const spread = tally(run.followed, new Set(run.spread), run.commits, run.receipts, run.since);
  const fromSend = run.receipts
    .filter(([, id]) => id === run.hot)
    .map(([, , version, at]) => at - (run.hotSent.get(version) ?? Number.NaN));
  const hotFigures = summary(hot.latencies);
  const spreadFigures = summary(spread.latencies);
  const sendFigures = summary(fromSend.filter((ms) => !Number.isNaN(ms)));
  const hotName = `fanout: ${ONE_WORKFLOW_SUBSCRIBERS} subscribers on 1 workflow`;
  const spreadName = `fanout: ${run.spread.length} subscribers on ${run.spread.length} workflows`;
  return [
    row(`${hotName}, commit to receipt: p50`, hotFigures.p50, 'ms'),
    row(`${hotName}, commit to receipt: p99`, hotFigures.p99, 'ms'),
    row(`${hotName}, commit to receipt: max`, hotFigures.max, 'ms'),
    row(`${hotName}, updateWorkflow sent to receipt: p50`, sendFigures.p50, 'ms'),
    row(`${hotName}, updateWorkflow sent to receipt: p99`, sendFigures.p99, 'ms'),
    // The commit is timed when this process hears its NOTIFY: on a loaded machine it may hear it late, and
    // then the commit-to-receipt figures are too low. A receipt before the commit was heard shows it.
    row(`${hotName}: receipts before the bench heard the commit`, hot.latencies.filter((ms) => ms < 0).length, 'count'),
    row(`${hotName}: receipts owed`, hot.owed, 'count'),
    row(`${hotName}: events lost`, hot.lost, 'count'),
    row(`${spreadName}, commit to receipt: p50`, spreadFigures.p50, 'ms'),
    row(`${spreadName}, commit to receipt: p99`, spreadFigures.p99, 'ms'),
    row(`${spreadName}, commit to receipt: max`, spreadFigures.max, 'ms'),
    row(`${spreadName}: receipts owed`, spread.owed, 'count'),
    row(`${spreadName}: events lost`, spread.lost, 'count'),
  ];
}
