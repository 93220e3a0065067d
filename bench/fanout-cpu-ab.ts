// The API's CPU per fan-out event with nothing else running, for one or more checkouts in turn:
//
//   node bench/fanout-cpu-ab.ts [<checkout>...]     (this one when none is named)
//
// Each round starts one API process of each checkout on one database, follows one workflow with
// BENCH_FANOUT_CPU_SUBSCRIBERS subscribers (2,500: one API process's share of the fan-out bench's
// 5,000) from 5 subscriber processes, changes it 20 times, 400 ms apart, and reads the API process's
// CPU time from /proc. Without the 20 runs of `npm run bench -- fanout`, which take most of the two
// cores while they last, this figure moves by a few percent between runs, where the bench's own
// "API CPU per event" moves by 15-25 %: it is the one to compare two versions of the fan-out by.
// BENCH_FANOUT_CPU_ROUNDS (2) rounds; BENCH_FANOUT_CPU_PROF=<folder> writes a V8 CPU profile of each
// API process and, beside it, window-<pid>.json: the monotonic µs of its changes.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { createCustomer, gql } from './lib/client.ts';
import { cpuMs } from './lib/cpu.ts';
import { type Child, ROOT, startNode, stopAll } from './lib/processes.ts';
import { startApi } from './lib/services.ts';
import { type Stack, startStack } from './lib/stack.ts';
import { nowMs, sleep, summary } from './lib/stats.ts';

const SUBSCRIBERS = Number(process.env['BENCH_FANOUT_CPU_SUBSCRIBERS'] ?? 2500);
const ROUNDS = Number(process.env['BENCH_FANOUT_CPU_ROUNDS'] ?? 2);
const CPU_PROF = process.env['BENCH_FANOUT_CPU_PROF'] || undefined;
const PROCESSES = 5;
const CHANGES = 20;
const UPDATE = 'mutation($id: ID!, $title: String!) { updateWorkflow(id: $id, input: { title: $title }) { __typename } }';

type Receipt = [subscriber: number, workflowId: string, version: number, at: number];

/** The clock of V8's CPU profiles (CLOCK_MONOTONIC), in µs. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function hotWorkflow(db: pg.Client, customerId: string): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO workflows (id, customer_id, title, visibility, model, aspect_ratio, pipeline_mode, primary_user_id, credit_cost)
     VALUES ($1, $2, 'idle', 'PRIVATE', 'vim_new_year_2026', '16:9', 'IMAGE', 'bench', 0)`,
    [id, customerId],
  );
  return id;
}

/** The subscriber processes of bench/load/subscribers.ts, each with its share, once all have their first event. */
async function startSubscribers(stack: Stack, name: string, url: string, key: string, workflowId: string): Promise<Child[]> {
  const children = await Promise.all(
    Array.from({ length: PROCESSES }, async (_, p) => {
      const subscribers = Array.from({ length: SUBSCRIBERS / PROCESSES }, (_, i) => [p * SUBSCRIBERS + i, workflowId]);
      const file = path.join(stack.dir, `${name}-subscribers-${p}.json`);
      await fs.writeFile(file, JSON.stringify({ urls: [url.replace(/^http/, 'ws')], key, subscribers, perConnection: 100, offset: p }));
      return startNode(`${name}-subscribers-${p}`, [path.join(ROOT, 'bench', 'load', 'subscribers.ts'), file], {});
    }),
  );
  const ready = (child: Child) =>
    new Promise<void>((resolve) => child.process.on('message', (message: { type: string }) => message.type === 'ready' && resolve()));
  await Promise.all(children.map(ready));
  return children;
}

function receiptsOf(children: Child[]): Promise<Receipt[]> {
  const report = (child: Child) =>
    new Promise<Receipt[]>((resolve) => {
      child.process.on(
        'message',
        (message: { type: string; receipts?: Receipt[] }) => message.type === 'receipts' && resolve(message.receipts!),
      );
      child.process.send({ type: 'report' });
    });
  return Promise.all(children.map(report)).then((all) => all.flat());
}

/** One checkout's API process through the changes: its CPU per event received, in µs. */
async function measure(stack: Stack, db: pg.Client, root: string, name: string): Promise<number> {
  const env: Record<string, string> = { DATABASE_POOL_SIZE: '20' };
  if (CPU_PROF) env['NODE_OPTIONS'] = `--cpu-prof --cpu-prof-dir=${CPU_PROF}`;
  const api = await startApi(stack, name, env, root);
  const customer = await createCustomer(api.url, stack.adminKey, name, 1000);
  const hot = await hotWorkflow(db, customer.id);
  const children = await startSubscribers(stack, name, api.url, customer.apiKey, hot);
  await sleep(1000);
  const before = cpuMs(api.child.process.pid);
  const startUs = monotonicUs();
  const sent: number[] = [];
  for (let change = 0; change < CHANGES; change++) {
    sent.push(nowMs());
    await gql(api.url, customer.apiKey, UPDATE, { id: hot, title: `hot ${change}` });
    await sleep(400);
  }
  await sleep(1000);
  const cpu = cpuMs(api.child.process.pid) - before;
  if (CPU_PROF)
    await fs.writeFile(path.join(CPU_PROF, `window-${api.child.process.pid}.json`), JSON.stringify({ startUs, endUs: monotonicUs() }));
  const receipts = await receiptsOf(children);
  // The workflow starts at version 1, which the subscribers found; change i makes version i + 2.
  const { p50, p99 } = summary(receipts.map(([, , version, at]) => at - sent[version - 2]!));
  const perEvent = (cpu * 1000) / Math.max(1, receipts.length);
  const figures = `${perEvent.toFixed(1)} us/event (${cpu.toFixed(0)} ms for ${receipts.length} of ${CHANGES * SUBSCRIBERS} events)`;
  console.log(`${root}: ${figures}, sent to receipt p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`);
  await Promise.all(children.map((child) => child.stop()));
  await api.child.stop();
  return perEvent;
}

async function main(): Promise<void> {
  const roots = process.argv.length > 2 ? process.argv.slice(2) : [ROOT];
  const stack = await startStack();
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  db.on('error', () => {});
  try {
    await db.connect();
    const results = new Map<string, number[]>(roots.map((root) => [root, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, root] of roots.entries()) results.get(root)!.push(await measure(stack, db, root, `fanout-cpu-${round}-${i}`));
    }
    for (const [root, values] of results) console.log(`${root}: ${values.map((v) => v.toFixed(1)).join(', ')} us/event`);
  } finally {
    await db.end().catch(() => {});
    await stopAll();
    await stack.stop();
  }
}

await main();
