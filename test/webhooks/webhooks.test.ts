import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { listenForWebhooks } from '../../src/cli/webhooks-listen.ts';
import { sealSecret } from '../../src/modules/webhooks/secret-box.ts';
import { signatureHeader, verifySignature } from '../../src/modules/webhooks/signature.ts';
import { ADMIN_KEY, startTestApp, type TestApp, WEBHOOK_SECRET_KEY } from '../helpers/harness.ts';
import { spawnRole } from '../helpers/processes.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { waitForWorkflow } from '../pipeline/wait.ts';
import { CreateWebhookEndpoint, DeleteWebhookEndpoint, RedeliverWebhook, WebhookEndpoints } from './operations.ts';
import { type Receiver, startReceiver } from './receiver.ts';

type EventType = 'WORKFLOW_SUCCEEDED' | 'WORKFLOW_FAILED' | 'WORKFLOW_CANCELED' | 'WORKFLOW_DELETED';
const FINAL = ['SUCCESS', 'FAILED', 'CANCELED'];

let app: TestApp;
const receivers: Receiver[] = [];

beforeAll(async () => {
  // Retries 1 s, then 4 s; the test receivers run on loopback, which the test defaults allow.
  app = await startTestApp({ webhooks: { maxAttempts: 3, retryBaseSeconds: 1 } });
});

/** A worker for the length of `work`: tests set their workflows up first, so no run races them. */
async function withWorker<T>(work: () => Promise<T>): Promise<T> {
  const worker = app.startWorker({ concurrency: 1, deliveryConcurrency: 2 });
  try {
    return await work();
  } finally {
    await worker.stop(0);
  }
}

afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});

afterAll(async () => {
  await app.stop();
});

async function receiver(respond?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const started = await startReceiver(respond);
  receivers.push(started);
  return started;
}

async function endpointFor(apiKey: string, url: string, events?: EventType[]) {
  const response = await app.gql(CreateWebhookEndpoint, { input: { url, events } }, { key: apiKey });
  const created = response.data?.createWebhookEndpoint;
  if (created?.__typename !== 'CreateWebhookEndpointPayload') throw new Error(`no endpoint: ${JSON.stringify(response)}`);
  return { id: created.endpoint.id, secret: created.signingSecret };
}

async function deliveriesOf(apiKey: string, endpointId: string) {
  const response = await app.gql(WebhookEndpoints, {}, { key: apiKey });
  return response.data!.webhookEndpoints.find((endpoint) => endpoint.id === endpointId)!.deliveries.edges.map((edge) => edge.node);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function parse(body: string) {
  return JSON.parse(body) as {
    id: string;
    type: string;
    createdAt: string;
    data: { workflow: Record<string, unknown> & { mediaResult: Array<{ url: string }> } };
  };
}

describe('webhook deliveries', () => {
  test('an IMAGE run sends exactly one signed workflow.succeeded, whose media URL serves the PNG', async () => {
    const target = await receiver();
    const { customerId, apiKey } = await app.createCustomer(5);
    const { id: endpointId, secret } = await endpointFor(apiKey, target.url);
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    const [request, delivery] = await withWorker(async () => {
      // Each wait within its own share of the test's 60 s (30 + 10 + 10 + 1.5), so that whichever
      // step is late says so, rather than the test timing out; the run's end may be any, to say how it ended.
      const ended = await waitForWorkflow(app, workflow.id, apiKey, (w) => FINAL.includes(w.processingStatus), 30_000);
      expect(ended, JSON.stringify(ended)).toMatchObject({ processingStatus: 'SUCCESS' });
      const [received] = await target.waitFor(1, 10_000);
      // Recorded before the worker stops: stopped between the request and its record (grace 0), a
      // worker hands the delivery back to be sent again, and nothing here would send it.
      const [recorded] = await until(
        'the delivery to be recorded',
        async () => {
          const listed = await deliveriesOf(apiKey, endpointId);
          return listed[0]?.status === 'SUCCEEDED' ? listed : undefined;
        },
        10_000,
      );
      // Nothing more arrives for it while a worker runs: exactly one delivery.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return [received, recorded] as const;
    });
    expect(target.requests).toHaveLength(1);
    const signature = String(request!.headers['framewright-signature']);
    expect(verifySignature(secret, request!.body, signature)).toBe(true);
    expect(verifySignature('whsec_another', request!.body, signature)).toBe(false);
    const event = parse(request!.body);
    expect(request!.headers['framewright-event-id']).toBe(event.id);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(event).toMatchObject({
      type: 'workflow.succeeded',
      data: { workflow: { id: workflow.id, processingStatus: 'SUCCESS', progressPercentage: 100 } },
    });
    const png = Buffer.from(await (await fetch(event.data.workflow.mediaResult[0]!.url)).arrayBuffer());
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(delivery).toMatchObject({
      eventId: event.id,
      eventType: 'WORKFLOW_SUCCEEDED',
      workflowId: workflow.id,
      attempts: 1,
      lastStatusCode: 200,
    });
  });

  test('a failed, a canceled and a deleted workflow each send theirs; an endpoint for SUCCEEDED only gets none of them', async () => {
    const everything = await receiver();
    const successesOnly = await receiver();
    const { customerId, apiKey } = await app.createCustomer(5);
    await endpointFor(apiKey, everything.url);
    await endpointFor(apiKey, successesOnly.url, ['WORKFLOW_SUCCEEDED']);

    const owner = { kind: 'customer', customerId } as const;
    const doomed = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    await app.storage.put(`workflows/${doomed.id}/source/a.png`, Buffer.from('not an image any more'), 'image/png');
    const canceled = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    await app.services.workflows.cancel(owner, canceled.id);
    const deleted = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    await app.services.workflows.delete(owner, deleted.id);

    const requests = await withWorker(async () => {
      await waitForWorkflow(app, doomed.id, apiKey, (w) => w.processingStatus === 'FAILED');
      return everything.waitFor(3);
    });
    const events = requests.map((request) => parse(request.body));
    expect(Object.fromEntries(events.map((event) => [event.type, event.data.workflow['id']]))).toEqual({
      'workflow.failed': doomed.id,
      'workflow.canceled': canceled.id,
      'workflow.deleted': deleted.id,
    });
    // A deletion reports the workflow as it was, less its owner's fields (retention.test.ts has the rest).
    expect(events.find((event) => event.type === 'workflow.deleted')?.data.workflow).toMatchObject({
      id: deleted.id,
      title: null,
      processingStatus: 'QUEUED',
    });
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
    expect(successesOnly.requests).toEqual([]);
  });

  test('500 twice, then 200: three attempts, SUCCEEDED, visible in deliveries', async () => {
    const flaky = await receiver((index) => (index < 2 ? 500 : 200));
    const { customerId, apiKey } = await app.createCustomer(5);
    const { id: endpointId } = await endpointFor(apiKey, flaky.url, ['WORKFLOW_CANCELED']);
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
    await app.services.workflows.cancel({ kind: 'customer', customerId }, workflow.id);
    const [requests, [delivery]] = await withWorker(async () => [
      await flaky.waitFor(3),
      await until('the third attempt to be recorded', async () => {
        const listed = await deliveriesOf(apiKey, endpointId);
        return listed[0]?.status === 'SUCCEEDED' ? listed : undefined;
      }),
    ]);
    expect(new Set(requests.map((request) => request.headers['framewright-event-id'])).size).toBe(1);
    expect(delivery).toMatchObject({ status: 'SUCCEEDED', attempts: 3, lastStatusCode: 200, lastError: null });
  });

  test('a receiver that always fails: FAILED after the last attempt; redeliverWebhook then delivers it', async () => {
    const down = await receiver(() => 503);
    const { customerId, apiKey } = await app.createCustomer(5);
    const { id: endpointId } = await endpointFor(apiKey, down.url, ['WORKFLOW_CANCELED']);
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
    await app.services.workflows.cancel({ kind: 'customer', customerId }, workflow.id);
    const delivered = await withWorker(async () => {
      const [failed] = await until('the delivery to fail for good', async () => {
        const listed = await deliveriesOf(apiKey, endpointId);
        return listed[0]?.status === 'FAILED' ? listed : undefined;
      });
      expect(failed).toMatchObject({ attempts: 3, lastStatusCode: 503, nextAttemptAt: null, lastError: expect.stringContaining('503') });
      expect(down.requests).toHaveLength(3);

      down.respond = () => 200;
      const redelivered = await app.gql(RedeliverWebhook, { deliveryId: failed!.id }, { key: apiKey });
      expect(redelivered.data?.redeliverWebhook).toMatchObject({ __typename: 'WebhookDelivery', status: 'PENDING' });
      await down.waitFor(4);
      return until('the redelivery to be recorded', async () => {
        const listed = await deliveriesOf(apiKey, endpointId);
        return listed[0]?.status === 'SUCCEEDED' ? listed[0] : undefined;
      });
    });
    expect(delivered).toMatchObject({ attempts: 1, lastStatusCode: 200 });
    expect(new Set(down.requests.map((request) => request.headers['framewright-event-id'])).size).toBe(1);
  });

  test('a receiver that never answers does not hold up another endpoint', async () => {
    const silent = await receiver(() => 'hang');
    const prompt = await receiver();
    const { customerId, apiKey } = await app.createCustomer(5);
    await endpointFor(apiKey, silent.url, ['WORKFLOW_CANCELED']);
    await endpointFor(apiKey, prompt.url, ['WORKFLOW_CANCELED']);
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
    await app.services.workflows.cancel({ kind: 'customer', customerId }, workflow.id);
    await withWorker(() => prompt.waitFor(1));
    // The silent one's request may not even have started; if it has, it is still unanswered.
    expect(silent.requests.every((request) => !request.answered)).toBe(true);
  });
});

describe('a worker that dies mid-delivery', () => {
  test('SIGKILLed while a delivery is in flight: another worker delivers it after the lease, same event id', async () => {
    // The first request is held open until its worker is dead; the next is answered.
    const target = await receiver((index) => (index === 0 ? 'hang' : 200));
    const { customerId, apiKey } = await app.createCustomer(5);
    const { id: endpointId } = await endpointFor(apiKey, target.url, ['WORKFLOW_CANCELED']);
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
    await app.services.workflows.cancel({ kind: 'customer', customerId }, workflow.id);
    const env = { ...app.serviceEnv, WORKER_LEASE_SECONDS: '5', LOG_LEVEL: 'warn' };
    const ready = (line: Record<string, unknown> | string) => typeof line === 'object' && line['msg'] === 'worker started';
    const first = await spawnRole('worker', { env: { ...env, LOG_LEVEL: 'info' }, ready });
    await target.waitFor(1);
    first.child.kill('SIGKILL');
    await first.stop();
    const second = await spawnRole('worker', { env: { ...env, LOG_LEVEL: 'info' }, ready });
    try {
      const [held, retried] = await target.waitFor(2, 90_000);
      expect(retried!.headers['framewright-event-id']).toBe(held!.headers['framewright-event-id']);
      const [delivery] = await until('the delivery to be recorded', async () => {
        const listed = await deliveriesOf(apiKey, endpointId);
        return listed[0]?.status === 'SUCCEEDED' ? listed : undefined;
      });
      expect(delivery).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    } finally {
      await second.stop();
    }
  }, 150_000);
});

describe('webhook endpoints', () => {
  test('at most 10 per customer', async () => {
    const { apiKey } = await app.createCustomer(0);
    for (let i = 0; i < 10; i += 1) await endpointFor(apiKey, `http://127.0.0.1:9/hook-${i}`);
    const eleventh = await app.gql(CreateWebhookEndpoint, { input: { url: 'http://127.0.0.1:9/one-more' } }, { key: apiKey });
    expect(eleventh.data?.createWebhookEndpoint).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ field: 'input.url' }] });
  });

  test("another customer's endpoint or delivery is NotFound", async () => {
    const target = await receiver();
    const alice = await app.createCustomer(5);
    const bob = await app.createCustomer(0);
    const { id: endpointId } = await endpointFor(alice.apiKey, target.url, ['WORKFLOW_CANCELED']);
    const workflow = await createWorkflowFor(app, alice.customerId, { options: { pipelineMode: 'VIDEO' } });
    await app.services.workflows.cancel({ kind: 'customer', customerId: alice.customerId }, workflow.id);
    const [delivery] = await deliveriesOf(alice.apiKey, endpointId);
    expect((await app.gql(DeleteWebhookEndpoint, { id: endpointId }, { key: bob.apiKey })).data?.deleteWebhookEndpoint).toMatchObject({
      __typename: 'NotFoundError',
    });
    expect((await app.gql(RedeliverWebhook, { deliveryId: delivery!.id }, { key: bob.apiKey })).data?.redeliverWebhook).toMatchObject({
      __typename: 'NotFoundError',
    });
    expect((await app.gql(WebhookEndpoints, {}, { key: bob.apiKey })).data?.webhookEndpoints).toEqual([]);
    // The admin key has no customer of its own to hold endpoints.
    expect((await app.gql(WebhookEndpoints, {}, { key: ADMIN_KEY })).errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const deleted = await app.gql(DeleteWebhookEndpoint, { id: endpointId }, { key: alice.apiKey });
    expect(deleted.data?.deleteWebhookEndpoint).toMatchObject({ __typename: 'WebhookEndpoint', id: endpointId });
    expect(await app.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', endpointId).execute()).toEqual([]);
  });
});

/**
 * IPv6 forms that carry an IPv4 address a relay or the stack may act on: IPv4-compatible
 * (::/96, here ::127.0.0.1), 6to4 (2002::/16, here 127.0.0.1 inside), Teredo (2001::/32) and
 * local-use NAT64 (64:ff9b:1::/48).
 */
const EMBEDDED_IPV4_URLS = [
  'https://[::127.0.0.1]/hook',
  'https://[2002:7f00:1::1]/hook',
  'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook',
  'https://[64:ff9b:1::a00:1]/hook',
];

describe('private networks', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await startTestApp({ webhooks: { allowPrivateNetworks: false } });
  });
  afterAll(async () => {
    await strict.stop();
  });

  test('loopback and private addresses are refused by default, by address and by name', async () => {
    const { apiKey } = await strict.createCustomer(0);
    for (const [url, reason] of [
      ['http://127.0.0.1/hook', /https/],
      ['https://127.0.0.1/hook', /private address/],
      ['https://10.0.0.1/hook', /private address/],
      ['https://[::1]/hook', /private address/],
      ['https://localhost/hook', /private address/],
      ...EMBEDDED_IPV4_URLS.map((url) => [url, /private address/] as const),
    ] as const) {
      const response = await strict.gql(CreateWebhookEndpoint, { input: { url } }, { key: apiKey });
      const result = response.data?.createWebhookEndpoint;
      expect(result?.__typename, url).toBe('ValidationError');
      if (result?.__typename === 'ValidationError') expect(result.fieldErrors[0]?.message, url).toMatch(reason);
    }
  });

  test('an endpoint that became private is refused at the attempt too, and nothing is sent', async () => {
    const target = await receiver();
    const { customerId } = await strict.createCustomer(5);
    // As if its name had resolved to a public address at creation and to loopback now; the others
    // as if they had been stored before their ranges were blocked.
    const urls = [target.url, ...EMBEDDED_IPV4_URLS];
    const endpoints = await strict.db
      .insertInto('webhook_endpoints')
      .values(
        urls.map((url) => ({
          customer_id: customerId,
          url,
          events: ['WORKFLOW_CANCELED'],
          signing_secret: sealSecret(WEBHOOK_SECRET_KEY, 'whsec_test'),
        })),
      )
      .returning(['id', 'url'])
      .execute();
    const worker = strict.startWorker({ concurrency: 1 });
    try {
      const workflow = await createWorkflowFor(strict, customerId, { options: { pipelineMode: 'VIDEO' } });
      await strict.services.workflows.cancel({ kind: 'customer', customerId }, workflow.id);
      for (const endpoint of endpoints) {
        const delivery = await until('the attempt to be recorded', async () => {
          const row = await strict.db
            .selectFrom('webhook_deliveries')
            .selectAll()
            .where('endpoint_id', '=', endpoint.id)
            .executeTakeFirst();
          return row && row.attempts > 0 ? row : undefined;
        });
        expect(delivery.last_error, endpoint.url).toMatch(endpoint.url === target.url ? /https|private/ : /private address/);
      }
      expect(target.requests).toHaveLength(0);
    } finally {
      await worker.stop(0);
    }
  });

  test('with WEBHOOK_ALLOW_PRIVATE_NETWORKS they are allowed', async () => {
    const { apiKey } = await app.createCustomer(0);
    for (const url of ['http://127.0.0.1:9/hook', 'https://localhost/hook', 'https://10.0.0.1/hook']) {
      const response = await app.gql(CreateWebhookEndpoint, { input: { url } }, { key: apiKey });
      expect(response.data?.createWebhookEndpoint.__typename, url).toBe('CreateWebhookEndpointPayload');
    }
  });
});

describe('framewright webhooks listen', () => {
  test('answers 200 to a delivery that verifies, 400 to one that does not, and notes an event seen before', async () => {
    const secret = 'whsec_listen-test';
    const lines: string[] = [];
    const server = await listenForWebhooks({ port: 0, host: '127.0.0.1', secret }, (line) => lines.push(line));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const body = JSON.stringify({
        id: 'evt-1',
        type: 'workflow.succeeded',
        data: { workflow: { id: 'w1', processingStatus: 'SUCCESS', result: ['https://x/y.png'] } },
      });
      const send = (signature: string) =>
        fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'framewright-event-id': 'evt-1', 'framewright-signature': signature },
        });
      const now = Math.floor(Date.now() / 1000);
      expect((await send(signatureHeader(secret, body, now))).status).toBe(200);
      expect((await send(signatureHeader('whsec_wrong', body, now))).status).toBe(400);
      expect((await send(signatureHeader(secret, body, now))).status).toBe(200);
      expect(lines.slice(1)).toEqual([
        'workflow.succeeded w1 SUCCESS (event evt-1, verified) https://x/y.png',
        expect.stringMatching(/^refused evt-1: the signature does not verify/),
        expect.stringMatching(/^evt-1 again/),
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
