import { pbkdf2 } from 'node:crypto';
import dgram from 'node:dgram';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { defaultWebhookConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { ValidationError } from '../../src/modules/shared/errors.ts';
import { WebhooksService } from '../../src/modules/webhooks/webhooks.service.ts';
import { type WorkflowSnapshot, withSignedUrls } from '../../src/modules/workflows/workflow-snapshot.ts';
import { startTestApp, type TestApp, WEBHOOK_SECRET_KEY } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { CreateWebhookEndpoint, RedeliverWebhook, WebhookEndpoints } from './operations.ts';
import { type Receiver, startReceiver } from './receiver.ts';

// How endpoint hosts are resolved (c-ares with a deadline, never the thread pool), that the cap of
// 10 is checked before any resolution, and the per-customer limits of createWebhookEndpoint and
// redeliverWebhook.

let app: TestApp;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  app = await startTestApp({ webhooks: { endpointCreationsPerMinute: 3, redeliveriesPerMinute: 2 } });
});

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

afterAll(async () => {
  await app.stop();
});

/** A name server on loopback that reads every query and answers none: a stalled one. */
async function silentNameServer(): Promise<{ address: string; queries: () => number }> {
  const socket = dgram.createSocket('udp4');
  let queries = 0;
  socket.on('message', () => (queries += 1));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => socket.close(() => resolve())));
  return { address: `127.0.0.1:${socket.address().port}`, queries: () => queries };
}

/** The service as production builds it (public addresses only), but asking `nameServer` with a 1 s timeout. */
function serviceAsking(nameServer: string): WebhooksService {
  return new WebhooksService({
    db: app.db,
    storage: app.storage,
    logger: createLogger('silent'),
    clock: () => new Date(),
    secretKey: WEBHOOK_SECRET_KEY,
    dnsServers: [nameServer],
    withSignedUrls: (document, sign) => withSignedUrls(document as WorkflowSnapshot, sign),
    settings: {
      ...defaultWebhookConfig,
      endpointCreationsPerMinute: 1000,
      maxEndpointsPerCustomer: 10,
      urlSeconds: 3600,
      maxPageSize: 100,
      defaultPageSize: 20,
      dnsTimeoutMs: 1000,
    },
  });
}

async function endpointCount(customerId: string): Promise<number> {
  return (await app.db.selectFrom('webhook_endpoints').select('id').where('customer_id', '=', customerId).execute()).length;
}

describe('a name server that never answers', () => {
  test('createWebhookEndpoint fails with a ValidationError on input.url once the 1 s timeout is up', async () => {
    const nameServer = await silentNameServer();
    const service = serviceAsking(nameServer.address);
    const { customerId } = await app.createCustomer(0);
    const started = performance.now();
    const error = await service.createEndpoint({ kind: 'customer', customerId }, { url: 'https://hooks.stalled.test/in' }).catch((e) => e);
    const elapsedMs = performance.now() - started;
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors).toEqual([
      { field: 'input.url', message: 'has a host whose name servers did not answer within 1 s (hooks.stalled.test)' },
    ]);
    // The queries went to the stalled server (the servers come from the service's dependencies).
    expect(nameServer.queries()).toBeGreaterThan(0);
    // The timeout asked for is 1 s; c-ares left to its defaults gives up on this server after about
    // 27 s. 5 s tells the two apart with room for a loaded machine.
    expect(elapsedMs).toBeLessThan(5000);
    expect(await endpointCount(customerId)).toBe(0);
  });

  test('eight resolutions hanging at once leave the thread pool free', async () => {
    const service = serviceAsking((await silentNameServer()).address);
    const { customerId } = await app.createCustomer(0);
    const finished: string[] = [];
    const resolutions = Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => service.createEndpoint({ kind: 'customer', customerId }, { url: `https://h${i}.stalled.test/` })),
    ).then((results) => {
      finished.push('resolutions');
      return results;
    });
    // Work that needs libuv's 4 threads (getaddrinfo would hold all of them for as long as the name servers stall).
    const threadPoolWork = Promise.all(Array.from({ length: 4 }, () => promisify(pbkdf2)('password', 'salt', 1000, 32, 'sha256'))).then(
      () => finished.push('thread pool'),
    );
    const [results] = await Promise.all([resolutions, threadPoolWork]);
    expect(finished).toEqual(['thread pool', 'resolutions']);
    expect(results.map((result) => result.status)).toEqual(Array(8).fill('rejected'));
  });

  test('a customer at the cap of 10 is refused before any name is resolved', async () => {
    const nameServer = await silentNameServer();
    const service = serviceAsking(nameServer.address);
    const { customerId } = await app.createCustomer(0);
    const viewer = { kind: 'customer', customerId } as const;
    // Literal public addresses: nothing to resolve, and nothing is sent to them (no event happens).
    for (let i = 0; i < 10; i += 1) await service.createEndpoint(viewer, { url: `https://203.0.114.${i + 1}/hook` });
    const error = await service.createEndpoint(viewer, { url: 'https://hooks.stalled.test/eleventh' }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors[0]).toEqual({
      field: 'input.url',
      message: 'a customer may have at most 10 endpoints; delete one first',
    });
    expect(nameServer.queries()).toBe(0);
    expect(await endpointCount(customerId)).toBe(10);
  });
});

describe('names on this machine, with WEBHOOK_ALLOW_PRIVATE_NETWORKS', () => {
  test('localhost resolves to loopback at creation and at the attempt: the delivery arrives', async () => {
    const target: Receiver = await startReceiver();
    closers.push(() => target.close());
    const { customerId, apiKey } = await app.createCustomer(5);
    const url = target.url.replace('127.0.0.1', 'localhost');
    const created = await app.gql(CreateWebhookEndpoint, { input: { url, events: ['WORKFLOW_CANCELED'] } }, { key: apiKey });
    expect(created.data?.createWebhookEndpoint.__typename).toBe('CreateWebhookEndpointPayload');
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
    await app.services.workflows.cancel({ kind: 'customer', customerId }, workflow.id);
    const worker = app.startWorker({ concurrency: 1 });
    try {
      const [request] = await target.waitFor(1);
      expect(JSON.parse(request!.body)).toMatchObject({ type: 'workflow.canceled', data: { workflow: { id: workflow.id } } });
    } finally {
      await worker.stop(0);
    }
  });
});

describe('per-customer rate limits (3 creations, 2 redeliveries a minute here)', () => {
  test('createWebhookEndpoint past the limit is RATE_LIMITED and creates nothing; another customer is not held back', async () => {
    const alice = await app.createCustomer(0);
    const bob = await app.createCustomer(0);
    const create = (key: string, i: number) => app.gql(CreateWebhookEndpoint, { input: { url: `http://127.0.0.1:9/hook-${i}` } }, { key });
    for (let i = 0; i < 3; i += 1)
      expect((await create(alice.apiKey, i)).data?.createWebhookEndpoint.__typename).toBe('CreateWebhookEndpointPayload');
    const refused = await create(alice.apiKey, 3);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(refused.errors?.[0]?.message).toMatch(/createWebhookEndpoint/);
    expect(await endpointCount(alice.customerId)).toBe(3);
    expect((await create(bob.apiKey, 0)).data?.createWebhookEndpoint.__typename).toBe('CreateWebhookEndpointPayload');
  });

  test('redeliverWebhook past the limit is RATE_LIMITED and leaves the delivery as it was', async () => {
    const { customerId, apiKey } = await app.createCustomer(5);
    await app.gql(CreateWebhookEndpoint, { input: { url: 'http://127.0.0.1:9/hook', events: ['WORKFLOW_CANCELED'] } }, { key: apiKey });
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
    await app.services.workflows.cancel({ kind: 'customer', customerId }, workflow.id);
    const listed = await app.gql(WebhookEndpoints, {}, { key: apiKey });
    const deliveryId = listed.data!.webhookEndpoints[0]!.deliveries.edges[0]!.node.id;
    const redeliver = () => app.gql(RedeliverWebhook, { deliveryId }, { key: apiKey });
    for (let i = 0; i < 2; i += 1) expect((await redeliver()).data?.redeliverWebhook.__typename).toBe('WebhookDelivery');
    const before = await app.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirstOrThrow();
    const refused = await redeliver();
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(await app.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirstOrThrow()).toEqual(
      before,
    );
  });
});
