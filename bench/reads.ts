// Reads: the API's two heaviest read queries against the bare graphql-yoga server, same run, same load generator.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BenchRow, row } from './lib/bench-row.ts';
import { createCustomer, createWorkflow, inputImage, waitForSuccess } from './lib/client.ts';
import type { BenchContext } from './lib/context.ts';
import { cpuMs, databaseCpuBetween, databaseCpuMs } from './lib/cpu.ts';
import { ROOT, runForResult } from './lib/processes.ts';
import { type ApiProcess, startApi, startBareYoga, startWorker } from './lib/services.ts';

const WORKFLOW_QUERY = `query($id: ID!) { workflow(id: $id) { ... on Workflow {
  id title processingStatus progressPercentage version
  completions { flow status attempts startedAt completedAt }
  mediaResult { key contentType url }
} } }`;

const WORKFLOWS_QUERY = `query { workflows(first: 20) {
  edges { node { id title processingStatus progressPercentage version
    completions { flow status attempts startedAt completedAt }
    mediaResult { key contentType url } } }
  pageInfo { hasNextPage endCursor }
} }`;

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

interface Measured extends LoadResult {
  /** The server's CPU time per request: 1000 / that is the most one Node process (one core) can serve. */
  cpuMsPerRequest: number;
  /** The database backends' CPU time per request (0 for a server that reads no database). */
  dbCpuMsPerRequest: number;
}

/**
 * One autocannon run in a process of its own; a short warm-up run first, not counted. With a
 * `databaseUrl` (a server on this machine), the CPU its backends used for the load as well: on
 * a machine of two cores, the database's work competes with the API's.
 */
async function load(
  server: ApiProcess,
  connections: number,
  seconds: number,
  body: string,
  headers: Record<string, string>,
  databaseUrl?: string,
): Promise<Measured> {
  const script = path.join(ROOT, 'bench', 'load', 'http-load.ts');
  const spec = (durationSeconds: number) => JSON.stringify({ url: server.url, connections, durationSeconds, body, headers });
  await runForResult<LoadResult>('load-warmup', [script, spec(2)]);
  const dbBefore = databaseUrl ? await databaseCpuMs(databaseUrl) : new Map<number, number>();
  const cpuBefore = cpuMs(server.child.process.pid);
  const result = await runForResult<LoadResult>('load', [script, spec(seconds)]);
  const cpuMsPerRequest = (cpuMs(server.child.process.pid) - cpuBefore) / result.requests;
  const dbAfter = databaseUrl ? await databaseCpuMs(databaseUrl) : new Map<number, number>();
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load on ${server.url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { ...result, cpuMsPerRequest, dbCpuMsPerRequest: databaseCpuBetween(dbBefore, dbAfter) / result.requests };
}

/** The workflows the reads see: IMAGE runs of a small input, all SUCCESS, so every media file has a URL to sign. */
async function seed(context: BenchContext, api: ApiProcess): Promise<{ key: string; workflowId: string }> {
  const customer = await createCustomer(api.url, context.stack.adminKey, 'Reads bench', 1000);
  const worker = await startWorker(context.stack, 'reads-worker', { WORKER_CONCURRENCY: '4' });
  const image = await inputImage(400, 300);
  const ids: string[] = [];
  for (let i = 0; i < 21; i++) ids.push(await createWorkflow(api.url, customer.apiKey, image, { mode: 'IMAGE', title: `Read ${i}` }));
  context.log(`reads: waiting for ${ids.length} IMAGE runs to succeed`);
  await waitForSuccess(api.url, customer.apiKey, ids, 300_000, 500);
  // The worker would compete with the API for the 2 cores during the load.
  await worker.stop();
  return { key: customer.apiKey, workflowId: ids[0]! };
}

/** WORKFLOW_QUERY as an app's trusted document (TRUSTED_DOCUMENTS_FILES): the same read, sent by hash. */
async function trustedWorkflowQuery(): Promise<{ file: string; documentId: string }> {
  const documentId = `sha256:${createHash('sha256').update(WORKFLOW_QUERY).digest('hex')}`;
  const file = path.join(tmpdir(), `framewright-bench-documents-${process.pid}.json`);
  await writeFile(file, JSON.stringify({ [documentId]: WORKFLOW_QUERY }));
  return { file, documentId };
}

/** BENCH_READS_CASES: a comma-separated subset of the cases' keys (id, hash, page); all by default. */
const CASES = (process.env['BENCH_READS_CASES'] ?? 'id,hash,page').split(',');
/** BENCH_READS_TRACING=0 leaves out the tracing section (three more API processes and loads). */
const TRACING = process.env['BENCH_READS_TRACING'] !== '0';
/**
 * BENCH_READS_COMPARE: another checkout of this repository (its node_modules installed). Its API is
 * started against the same database and bucket and loaded right after this one with each case: an
 * A/B in one run, on one machine, with one seed.
 */
const COMPARE = process.env['BENCH_READS_COMPARE'] || undefined;
/** BENCH_READS_COMPARE_FIRST=1 loads the other checkout's API before this one's, to tell an order effect from a difference. */
const COMPARE_FIRST = process.env['BENCH_READS_COMPARE_FIRST'] === '1';
/** BENCH_READS_CPU_PROF: a folder for a V8 CPU profile of each measured API process (written when it stops). */
const CPU_PROF = process.env['BENCH_READS_CPU_PROF'] || undefined;

function apiEnv(extra: Record<string, string>): Record<string, string> {
  return CPU_PROF ? { ...extra, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${CPU_PROF}` } : extra;
}

export async function runReads(context: BenchContext): Promise<BenchRow[]> {
  const trusted = await trustedWorkflowQuery();
  const env = apiEnv({ TRUSTED_DOCUMENTS_FILES: trusted.file });
  // Seeded through an API process of its own: the measured ones start alike, none having served the writes and polls.
  const seeder = await startApi(context.stack, 'reads-api-seed');
  const { key, workflowId } = await seed(context, seeder);
  await seeder.child.stop();
  const api = await startApi(context.stack, 'reads-api', env);
  const compare = COMPARE ? await startApi(context.stack, 'reads-api-compare', env, COMPARE) : undefined;
  const bare = await startBareYoga();
  const auth = { authorization: `Bearer ${key}` };
  const cases = [
    { key: 'id', label: 'workflow(id)', body: JSON.stringify({ query: WORKFLOW_QUERY, variables: { id: workflowId } }) },
    // The same document by its hash: no parse and no validation, compiled on its first run.
    { key: 'hash', label: 'workflow(id) by hash', body: JSON.stringify({ documentId: trusted.documentId, variables: { id: workflowId } }) },
    { key: 'page', label: 'workflows(first: 20)', body: JSON.stringify({ query: WORKFLOWS_QUERY }) },
  ].filter((c) => CASES.includes(c.key));
  const servers = [{ suffix: '', api }, ...(compare ? [{ suffix: ' [compare]', api: compare }] : [])];
  if (COMPARE_FIRST) servers.reverse();
  for (const server of servers) await checkAnswers(server.api, cases, auth);
  const rows: BenchRow[] = [];
  for (const connections of [10, 100]) {
    context.log(`reads: bare yoga at ${connections} connections`);
    const baseline = await load(bare, connections, context.loadSeconds, JSON.stringify({ query: '{ hello }' }), {});
    rows.push(row(`reads: bare yoga { hello } @${connections}: rps`, baseline.rps, 'rps'));
    rows.push(row(`reads: bare yoga { hello } @${connections}: p50`, baseline.p50, 'ms'));
    rows.push(row(`reads: bare yoga { hello } @${connections}: p99`, baseline.p99, 'ms'));
    rows.push(row(`reads: bare yoga { hello } @${connections}: server CPU per request`, baseline.cpuMsPerRequest, 'ms'));
    for (const { label, body } of cases) {
      for (const { suffix, api: server } of servers) {
        context.log(`reads: ${label}${suffix} at ${connections} connections`);
        const result = await load(server, connections, context.loadSeconds, body, auth, context.stack.databaseUrl);
        rows.push(...loadRows(`${label}${suffix} @${connections}`, result, { name: `bare yoga { hello } @${connections}`, ...baseline }));
      }
    }
  }
  await bare.child.stop();
  await compare?.child.stop();
  if (TRACING) rows.push(...(await tracingCost(context, api, cases[0]!.body, auth)));
  await api.child.stop();
  return rows;
}

/** A wrong answer served fast would be no figure at all: each query must return its data once before the load. */
async function checkAnswers(api: ApiProcess, cases: Array<{ label: string; body: string }>, auth: Record<string, string>): Promise<void> {
  for (const { label, body } of cases) {
    const response = await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body });
    const text = await response.text();
    if (!response.ok || text.indexOf('X-Amz-Signature') < 0)
      throw new Error(`reads: ${label} returned no signed URL: ${text.slice(0, 300)}`);
  }
}

function loadRows(label: string, result: Measured, baseline: Measured & { name: string }): BenchRow[] {
  const name = baseline.name;
  return [
    row(`reads: ${label}: rps`, result.rps, 'rps', { name, value: baseline.rps }),
    row(`reads: ${label}: p50`, result.p50, 'ms', { name, value: baseline.p50 }),
    row(`reads: ${label}: p99`, result.p99, 'ms', { name, value: baseline.p99 }),
    row(`reads: ${label}: API CPU per request`, result.cpuMsPerRequest, 'ms', { name, value: baseline.cpuMsPerRequest }),
    row(`reads: ${label}: database CPU per request`, result.dbCpuMsPerRequest, 'ms'),
  ];
}

/**
 * workflow(id) @100 with tracing off (the API above) and on, at sampling ratios 1.0 and 0.01,
 * measured one after the other. The spans go to a sink on loopback that reads and drops them
 * (OTLP/HTTP protobuf, the default protocol), so the figures hold the SDK's and the export's
 * cost in the API process, not a collector's.
 */
async function tracingCost(context: BenchContext, off: ApiProcess, body: string, auth: Record<string, string>): Promise<BenchRow[]> {
  const sink = await startOtlpSink();
  const rows: BenchRow[] = [];
  try {
    context.log('reads: workflow(id) @100, tracing off');
    const baseline = await load(off, 100, context.loadSeconds, body, auth);
    const base = (value: number) => ({ name: 'tracing off', value });
    rows.push(row('reads: workflow(id) @100, tracing off: rps', baseline.rps, 'rps'));
    rows.push(row('reads: workflow(id) @100, tracing off: p99', baseline.p99, 'ms'));
    rows.push(row('reads: workflow(id) @100, tracing off: API CPU per request', baseline.cpuMsPerRequest, 'ms'));
    for (const ratio of ['1.0', '0.01']) {
      const traced = await startApi(context.stack, `reads-api-traced-${ratio}`, {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: ratio,
      });
      try {
        context.log(`reads: workflow(id) @100, tracing on at ratio ${ratio}`);
        const result = await load(traced, 100, context.loadSeconds, body, auth);
        rows.push(row(`reads: workflow(id) @100, tracing ${ratio}: rps`, result.rps, 'rps', base(baseline.rps)));
        rows.push(row(`reads: workflow(id) @100, tracing ${ratio}: p99`, result.p99, 'ms', base(baseline.p99)));
        rows.push(
          row(
            `reads: workflow(id) @100, tracing ${ratio}: API CPU per request`,
            result.cpuMsPerRequest,
            'ms',
            base(baseline.cpuMsPerRequest),
          ),
        );
      } finally {
        await traced.child.stop();
      }
    }
    context.log(`reads: the OTLP sink took ${sink.exports()} exports`);
    if (sink.exports() === 0) throw new Error('reads: tracing on exported nothing; the figures would not measure tracing');
  } finally {
    await sink.stop();
  }
  return rows;
}

/** An OTLP/HTTP receiver on loopback that reads each export and drops it. */
async function startOtlpSink(): Promise<{ endpoint: string; exports(): number; stop(): Promise<void> }> {
  let exports = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: () => exports,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
