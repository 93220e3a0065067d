import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../helpers/otlp-receiver.ts';
import { childProcessesOf, eventually, type RoleProcess, spawnApiProcess, spawnRole } from '../helpers/processes.ts';
import { CreateWorkflow } from '../operations.ts';
import { CreateWebhookEndpoint } from '../webhooks/operations.ts';

const VIDEO_FLOWS = ['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA', 'VIDEO_OVERLAY'];

let app: TestApp;
let receiver: OtlpReceiver;
let dataDir: string;
let api: RoleProcess & { port: number };
const running: RoleProcess[] = [];

function tracingEnv(service: string): Record<string, string> {
  return {
    ...app.serviceEnv,
    DATA_DIR: dataDir,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: service,
  };
}

beforeAll(async () => {
  app = await startTestApp();
  receiver = await startOtlpReceiver();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'framewright-otel-run-'));
  api = await spawnApiProcess(tracingEnv('framewright-api'));
  running.push(api);
});

afterAll(async () => {
  await Promise.all(running.map((child) => child.stop(2000)));
  await receiver?.stop();
  await app?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function startWorker(env: Record<string, string> = {}): Promise<RoleProcess> {
  const worker = await spawnRole('worker', {
    env: { ...tracingEnv('framewright-worker'), ...env },
    ready: (line) => typeof line === 'object' && line['msg'] === 'worker started',
  });
  running.push(worker);
  return worker;
}

/** createWorkflow over HTTP (multipart, as a client sends it) under a traceparent of our own; returns the workflow and the trace id. */
async function createVideoWorkflow(apiKey: string): Promise<{ workflowId: string; traceId: string; callerSpanId: string }> {
  const traceId = randomBytes(16).toString('hex');
  const callerSpanId = randomBytes(8).toString('hex');
  const png = await pngWithTransparentBorder(64, 32);
  const form = new FormData();
  const input = {
    title: 'Traced',
    model: 'vim_new_year_2026',
    primaryUserId: 'user-1',
    options: { pipelineMode: 'VIDEO', aspectRatio: '16:9' },
    source: null,
  };
  form.set('operations', JSON.stringify({ query: print(CreateWorkflow), variables: { input } }));
  form.set('map', JSON.stringify({ 0: ['variables.input.source'] }));
  form.set('0', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'a.png');
  const response = await fetch(`http://127.0.0.1:${api.port}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'graphql-require-preflight': '1', traceparent: `00-${traceId}-${callerSpanId}-01` },
    body: form,
  });
  const body = (await response.json()) as { data?: { createWorkflow: { __typename: string; id: string } } };
  expect(body.data?.createWorkflow.__typename).toBe('Workflow');
  return { workflowId: body.data!.createWorkflow.id, traceId, callerSpanId };
}

async function waitForStatus(workflowId: string, status: string): Promise<void> {
  await eventually(
    `workflow ${status}`,
    async () => {
      const row = await app.db.selectFrom('workflows').select('processing_status').where('id', '=', workflowId).executeTakeFirstOrThrow();
      return row.processing_status === status ? true : undefined;
    },
    240_000,
  );
}

function spansOf(traceId: string): ReceivedSpan[] {
  return receiver.spans.filter((span) => span.traceId === traceId);
}

function byName(spans: ReceivedSpan[], name: string): ReceivedSpan[] {
  return spans.filter((span) => span.name === name);
}

/** A webhook receiver on loopback that answers 200 to every delivery. */
async function startWebhookReceiver(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test('create → run → SUCCESS across an API and a worker process is one trace, every span under its parent', async () => {
  const worker = await startWorker();
  const hooks = await startWebhookReceiver();
  const { apiKey } = await app.createCustomer(10);
  const endpoint = await app.gql(CreateWebhookEndpoint, { input: { url: hooks.url, events: ['WORKFLOW_SUCCEEDED'] } }, { key: apiKey });
  expect(endpoint.data?.createWebhookEndpoint.__typename).toBe('CreateWebhookEndpointPayload');
  const { workflowId, traceId, callerSpanId } = await createVideoWorkflow(apiKey);
  await waitForStatus(workflowId, 'SUCCESS');
  // The worker exports in batches: the delivery, after the run, is the last span to end.
  const spans = await eventually('the run and delivery spans exported', async () =>
    byName(spansOf(traceId), 'workflow.run').length > 0 && byName(spansOf(traceId), 'webhook.delivery').length > 0
      ? spansOf(traceId)
      : undefined,
  );
  await worker.stop();
  await hooks.stop();

  const httpSpan = byName(spans, 'POST /graphql')[0]!;
  expect(httpSpan).toMatchObject({ service: 'framewright-api', parentSpanId: callerSpanId });
  const operation = byName(spans, 'mutation CreateWorkflow')[0]!;
  expect(operation.parentSpanId).toBe(httpSpan.spanId);
  // The source went to the bucket inside the operation.
  expect(spans.some((span) => span.name === 'S3.PutObject' && span.service === 'framewright-api')).toBe(true);

  const run = byName(spans, 'workflow.run')[0]!;
  expect(run).toMatchObject({ service: 'framewright-worker', parentSpanId: operation.spanId });
  expect(run.attributes['framewright.workflow.id']).toBe(workflowId);
  const flows = spans.filter((span) => span.name.startsWith('flow '));
  expect(flows.map((span) => span.attributes['framewright.flow']).sort()).toEqual([...VIDEO_FLOWS].sort());
  for (const flow of flows) {
    expect(flow.parentSpanId).toBe(run.spanId);
    expect(flow.attributes['framewright.flow.attempt']).toBe(1);
  }
  const flowIds = new Set(flows.map((span) => span.spanId));
  const ffmpeg = byName(spans, 'ffmpeg');
  expect(ffmpeg.length).toBeGreaterThan(0);
  for (const span of ffmpeg) expect(flowIds.has(span.parentSpanId)).toBe(true);
  expect(ffmpeg.some((span) => span.events.some((event) => event.name === 'progress'))).toBe(true);
  expect(spans.filter((span) => span.name.startsWith('sharp ')).length).toBeGreaterThanOrEqual(3);
  // Outputs uploaded under the flows.
  expect(spans.filter((span) => span.name === 'S3.PutObject' && span.service === 'framewright-worker').length).toBeGreaterThan(0);

  // The WORKFLOW_SUCCEEDED delivery was queued by the run's last step, and joins the trace there.
  const delivery = byName(spans, 'webhook.delivery')[0]!;
  expect(delivery.service).toBe('framewright-worker');
  expect([run.spanId, ...flowIds]).toContain(delivery.parentSpanId);

  // No orphan: every span's parent is in the trace (or is the caller's span).
  const ids = new Set([callerSpanId, ...spans.map((span) => span.spanId)]);
  expect(spans.filter((span) => !ids.has(span.parentSpanId))).toEqual([]);
  expect(receiver.rejected).toBe(0);
}, 300_000);

test("a SIGKILLed worker's run, resumed by another worker, joins the request's trace", async () => {
  const first = await startWorker({ WORKER_LEASE_SECONDS: '5' });
  const { apiKey } = await app.createCustomer(10);
  const { workflowId, traceId } = await createVideoWorkflow(apiKey);
  await eventually(
    'ffmpeg running under the first worker',
    async () => ((await childProcessesOf(first.child.pid!, 'ffmpeg')).length > 0 ? true : undefined),
    120_000,
  );
  first.child.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');

  const second = await startWorker({ WORKER_LEASE_SECONDS: '5' });
  await waitForStatus(workflowId, 'SUCCESS');
  const runs = await eventually('the resumed run span exported', async () => {
    const found = byName(spansOf(traceId), 'workflow.run');
    return found.length > 0 ? found : undefined;
  });
  await second.stop();

  const operation = byName(spansOf(traceId), 'mutation CreateWorkflow')[0]!;
  // The killed worker's run span never left its process; the resumed one is under the same request.
  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatchObject({ parentSpanId: operation.spanId });
  expect(runs[0]!.attributes['framewright.job.claims']).toBe(2);
  const resumedFlows = spansOf(traceId).filter((span) => span.name.startsWith('flow ') && span.parentSpanId === runs[0]!.spanId);
  expect(resumedFlows.map((span) => span.attributes['framewright.flow'])).toContain('VIDEO_OVERLAY');
}, 300_000);
