import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SERVICE_MANIFEST } from '../../src/http/trusted-documents.ts';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/harness.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../helpers/otlp-receiver.ts';
import { eventually, type RoleProcess, spawnApiProcess } from '../helpers/processes.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { CreateCustomer } from '../operations.ts';

const serviceManifest = JSON.parse(readFileSync(SERVICE_MANIFEST, 'utf8')) as Record<string, string>;

const reportLoads = fileURLToPath(new URL('../helpers/report-opentelemetry-loads.mjs', import.meta.url));

let app: TestApp;
let receiver: OtlpReceiver;
let dataDir: string;
const running: RoleProcess[] = [];

beforeAll(async () => {
  app = await startTestApp();
  receiver = await startOtlpReceiver();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'framewright-otel-'));
});

afterAll(async () => {
  await Promise.all(running.map((child) => child.stop()));
  await receiver?.stop();
  await app?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function startApi(env: Record<string, string>) {
  const api = await spawnApiProcess({ ...app.serviceEnv, DATA_DIR: dataDir, NODE_OPTIONS: `--import ${reportLoads}`, ...env });
  running.push(api);
  return api;
}

function createCustomerAt(port: number, headers: Record<string, string> = {}) {
  return fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}`, ...headers },
    body: JSON.stringify({ query: print(CreateCustomer), variables: { input: { name: 'Traced' } } }),
  });
}

describe('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  test("a request is one trace under the caller's traceparent: HTTP, the operation, its statements", async () => {
    const api = await startApi({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'framewright-api',
      LOG_LEVEL: 'info',
    });
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const response = await createCustomerAt(api.port, { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(response.status).toBe(200);

    const spans = await eventually('the operation span exported', async () => {
      const inTrace = receiver.spans.filter((span) => span.traceId === traceId);
      return inTrace.some((span) => span.name === 'mutation CreateCustomer') ? inTrace : undefined;
    });
    const httpSpan = spans.find((span) => span.name === 'POST /graphql')!;
    expect(httpSpan).toMatchObject({ service: 'framewright-api', parentSpanId: callerSpanId, kind: 2 });
    expect(httpSpan.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
    const operation = spans.find((span) => span.name === 'mutation CreateCustomer')!;
    expect(operation.parentSpanId).toBe(httpSpan.spanId);
    expect(operation.attributes).toMatchObject({ 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'CreateCustomer' });
    expect(operation.attributes['graphql.document.hash']).toMatch(/^sha256:[0-9a-f]{64}$/);
    const inserts = spans.filter((span) => span.name === 'pg INSERT' && span.parentSpanId === operation.spanId);
    expect(inserts.length).toBeGreaterThan(0);
    expect(String(inserts[0]!.attributes['db.query.text'])).toMatch(/^insert into/i);
    // No span hangs off a parent outside the trace.
    const ids = new Set([callerSpanId, ...spans.map((span) => span.spanId)]);
    for (const span of spans) expect(ids.has(span.parentSpanId)).toBe(true);

    // The request's log line written inside the operation carries its ids.
    await api.waitForLine((line) => line.includes(`"trace_id":"${traceId}"`));

    // A trusted document sent by hash and sent whole: one document, one hash, the manifest's.
    const [documentId, text] = Object.entries(serviceManifest).find(([, document]) => document.startsWith('query DemoModels '))!;
    for (const body of [{ documentId }, { query: text }]) {
      const byHashTrace = randomBytes(16).toString('hex');
      const answer = await fetch(`http://127.0.0.1:${api.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${byHashTrace}-${callerSpanId}-01` },
        body: JSON.stringify(body),
      });
      expect(answer.status).toBe(200);
      const models = await eventually('the DemoModels span exported', async () =>
        receiver.spans.find((span) => span.traceId === byHashTrace && span.name === 'query DemoModels'),
      );
      expect(models.attributes['graphql.document.hash']).toBe(documentId);
    }
    expect(receiver.rejected).toBe(0);
  });
});

test('the default protocol is http/protobuf', async () => {
  const protobuf = await startOtlpReceiver();
  try {
    const api = await startApi({ OTEL_EXPORTER_OTLP_ENDPOINT: protobuf.endpoint });
    expect((await createCustomerAt(api.port)).status).toBe(200);
    await eventually('a protobuf export', async () => (protobuf.protobufExports > 0 ? true : undefined));
    expect(protobuf.spans).toEqual([]);
  } finally {
    await protobuf.stop();
  }
});

describe('a retried workflow', () => {
  test("its job carries the retry request's trace context, so the run joins the retry's trace", async () => {
    const api = await startApi({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    const owner = await app.createCustomer(10);
    const workflow = await createWorkflowFor(app, owner.customerId);
    const call = (query: string, traceparent: string) =>
      fetch(`http://127.0.0.1:${api.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.apiKey}`, traceparent },
        body: JSON.stringify({ query, variables: { id: workflow.id } }),
      }).then((response) => response.json() as Promise<{ data?: Record<string, { __typename: string }> }>);
    const traceparentOf = async () =>
      (await app.db.selectFrom('jobs').select('trace_parent').where('workflow_id', '=', workflow.id).executeTakeFirstOrThrow())
        .trace_parent;
    // Created in-process without tracing: no context to carry.
    expect(await traceparentOf()).toBeNull();

    const cancelTrace = randomBytes(16).toString('hex');
    const canceled = await call(
      'mutation Cancel($id: ID!) { cancelWorkflow(id: $id) { __typename } }',
      `00-${cancelTrace}-${randomBytes(8).toString('hex')}-01`,
    );
    expect(canceled.data?.['cancelWorkflow']?.__typename).toBe('Workflow');
    const retryTrace = randomBytes(16).toString('hex');
    const retried = await call(
      'mutation Retry($id: ID!) { retryWorkflow(id: $id) { __typename } }',
      `00-${retryTrace}-${randomBytes(8).toString('hex')}-01`,
    );
    expect(retried.data?.['retryWorkflow']?.__typename).toBe('Workflow');

    const retryOperation = await eventually('the retry operation span exported', async () =>
      receiver.spans.find((span) => span.traceId === retryTrace && span.name === 'mutation Retry'),
    );
    expect(await traceparentOf()).toBe(`00-${retryTrace}-${retryOperation.spanId}-01`);
  });
});

describe('with no OTLP endpoint', () => {
  // prom-client (before this feature) requires @opentelemetry/api, the SDK-less facade, for its
  // exemplars: that one is expected; no package of the SDK (tracer provider, exporters, context
  // manager, resources) may load.
  test('nothing is exported and no OpenTelemetry SDK module is loaded', async () => {
    const before = receiver.spans.length;
    const api = await startApi({ LOG_LEVEL: 'debug' });
    const response = await createCustomerAt(api.port, {
      traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
    });
    expect(response.status).toBe(200);
    await api.stop();
    const loaded = api.output().filter((line) => line.includes('opentelemetry module loaded'));
    expect(loaded.filter((line) => !line.includes('/node_modules/@opentelemetry/api/'))).toEqual([]);
    expect(api.output().some((line) => line.includes('"trace_id"'))).toBe(false);
    expect(receiver.spans.length).toBe(before);
  });

  test('the preload reports OpenTelemetry modules when they do load (the check above can fail)', async () => {
    const api = await startApi({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    await api.stop();
    expect(api.output().some((line) => line.includes('/node_modules/@opentelemetry/sdk-trace/'))).toBe(true);
  });
});
