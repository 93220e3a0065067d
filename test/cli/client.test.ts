import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FramewrightApiError, FramewrightClient, FramewrightRequestError, type ProgressEvent } from '../../packages/client/src/index.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';

let app: TestApp;
let client: FramewrightClient;
let customerId: string;
let ownerKey: string;
let source: { bytes: Uint8Array; filename: string };

beforeAll(async () => {
  // No worker at first: the reconnect test decides when the run starts.
  app = await startTestApp();
  const customer = await app.createCustomer(100);
  customerId = customer.customerId;
  ownerKey = customer.apiKey;
  client = new FramewrightClient({ url: app.url, apiKey: customer.apiKey });
  source = { bytes: await pngWithTransparentBorder(), filename: 'subject.png' };
});
afterAll(() => app?.stop());

/** A TCP relay to the app whose open connections can be cut, as a network drop would. */
async function startRelay(target: URL): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(target.port), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('watch', () => {
  test('after a dropped connection it reconnects and resumes from the last version seen, to SUCCESS', { timeout: 120_000 }, async () => {
    const created = await client.create(source, {
      title: 'Resumed',
      model: 'vim_new_year_2026',
      primaryUserId: 'u1',
      options: { pipelineMode: 'IMAGE' },
    });
    const relay = await startRelay(new URL(app.url));
    const reconnects: Array<number | undefined> = [];
    const events: ProgressEvent[] = [];
    try {
      const watcher = new FramewrightClient({ url: relay.url, apiKey: ownerKey });
      for await (const event of watcher.watch(created.id, { onReconnect: (version) => reconnects.push(version) })) {
        events.push(event);
        if (events.length === 1) {
          expect(event.processingStatus).toBe('QUEUED');
          relay.cut();
          app.startWorker({ concurrency: 1 });
        }
      }
    } finally {
      await relay.close();
    }
    expect(reconnects).toEqual([events[0]!.version]);
    const versions = events.map((e) => e.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ processingStatus: 'SUCCESS', progressPercentage: 100 });
    expect(events.at(-1)!.workflow.mediaResult).toEqual([expect.objectContaining({ contentType: 'image/png', width: 1920, height: 1080 })]);
  });

  test("another customer's workflow ends the watch with NOT_FOUND", async () => {
    const created = await client.create(source, { title: 'Mine', model: 'vim_new_year_2026', primaryUserId: 'u1' });
    const other = new FramewrightClient({ url: app.url, apiKey: (await app.createCustomer(0)).apiKey });
    const watching = (async () => {
      for await (const _event of other.watch(created.id)) throw new Error('an event of a workflow this key may not see');
    })();
    await expect(watching).rejects.toMatchObject({ name: 'FramewrightRequestError', code: 'NOT_FOUND' });
    await client.cancel(created.id);
  });
});

describe('errors', () => {
  test('an expected failure is a FramewrightApiError with what the service said', async () => {
    const refused = client.create(source, {
      title: 'Wide',
      model: 'aurora_portrait_2026',
      primaryUserId: 'u1',
      options: { aspectRatio: '16:9' },
    });
    await expect(refused).rejects.toBeInstanceOf(FramewrightApiError);
    await expect(refused).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { fieldErrors: [expect.objectContaining({ field: 'input.options.aspectRatio' })] },
    });
    await expect(client.get('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'Workflow' },
    });
  });

  test('a bad key is a FramewrightRequestError UNAUTHENTICATED with HTTP 401', async () => {
    const stranger = new FramewrightClient({ url: app.url, apiKey: 'fw_not-a-key' });
    const refused = stranger.list();
    await expect(refused).rejects.toBeInstanceOf(FramewrightRequestError);
    await expect(refused).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });
});

test('logError appends to the week log of the caller', async () => {
  const logPath = await client.logError({
    script: 'checkout.js',
    message: 'Cannot read properties of undefined',
    context: { orderId: '7781' },
  });
  expect(logPath).toMatch(new RegExp(`^customer-error-logs/${customerId}/errors-\\d{4}-W\\d{2}\\.log$`));
  expect(await app.listObjects(logPath)).toEqual([logPath]);
});
