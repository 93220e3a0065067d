import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { type RoleProcess, spawnApiProcess, spawnRole } from '../helpers/processes.ts';
import { CreateWorkflow } from '../operations.ts';
import { expectWellFormed, subscribeSse, subscribeWs, wsClient } from './clients.ts';

// Two API processes and one worker process on one database and bucket; this process only creates
// the customer (and owns the database's lifetime).
let app: TestApp;
let apis: Array<RoleProcess & { port: number }> = [];
let worker: RoleProcess | undefined;
let client: Client | undefined;

beforeAll(async () => {
  app = await startTestApp();
  const env = { ...app.serviceEnv, WORKER_CONCURRENCY: '1', WORKER_LEASE_SECONDS: '10' };
  [apis, worker] = await Promise.all([
    Promise.all([spawnApiProcess(env), spawnApiProcess(env)]),
    spawnRole('worker', { env, ready: (line) => typeof line === 'object' && line['msg'] === 'worker started' }),
  ]);
}, 180_000);

afterAll(async () => {
  await client?.dispose();
  await Promise.all([...apis.map((api) => api.stop()), worker?.stop()]);
  await app?.stop();
});

test('a subscriber on API #2 follows a VIDEO run created through API #1 and run by a worker process, to SUCCESS', async () => {
  const [first, second] = apis as [RoleProcess & { port: number }, RoleProcess & { port: number }];
  const { apiKey } = await app.createCustomer(10);
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query: print(CreateWorkflow),
      variables: {
        input: {
          title: 'Across processes',
          // The cheapest video: a 5 s template at 25 fps on a 1080x1920 frame.
          model: 'aurora_portrait_2026',
          primaryUserId: 'u1',
          options: { aspectRatio: '9:16', pipelineMode: 'VIDEO' },
          source: null,
        },
      },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.input.source'] }));
  form.set('0', new Blob([new Uint8Array(await pngWithTransparentBorder(240, 160))], { type: 'image/png' }), 'subject.png');
  const response = await fetch(`http://127.0.0.1:${first.port}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'graphql-require-preflight': 'true' },
    body: form,
  });
  const created = ((await response.json()) as { data?: { createWorkflow: { __typename: string; id: string } } }).data?.createWorkflow;
  expect(created?.__typename).toBe('Workflow');
  const id = created!.id;

  client = wsClient(`http://127.0.0.1:${second.port}/graphql`, apiKey);
  const ws = subscribeWs(client, { id });
  // And one over SSE on the other API process.
  const sse = subscribeSse(`http://127.0.0.1:${first.port}/graphql`, { id }, apiKey);

  for (const subscription of [ws, sse]) {
    expect(await subscription.ended).toEqual({ completed: true, errors: [] });
    const { events } = subscription;
    expectWellFormed(events);
    expect(['QUEUED', 'PROCESSING']).toContain(events[0]!.processingStatus);
    expect(events.at(-1)).toMatchObject({ processingStatus: 'SUCCESS', progressPercentage: 100, flow: null });
    expect(events.at(-1)!.workflow.completions.every((c) => c.status === 'SUCCESS')).toBe(true);
    // CREATE_MEDIA, which encodes the clip and the MP4 in one pass, reports progress as it goes:
    // the subscriber saw it running more than once, and VIDEO_OVERLAY after it.
    const encoding = events.filter((e) => e.flow === 'CREATE_MEDIA' && e.flowStatus === 'RUNNING');
    expect(encoding.length).toBeGreaterThan(1);
    expect(events.some((e) => e.flow === 'VIDEO_OVERLAY')).toBe(true);
    const order = ['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA', 'VIDEO_OVERLAY'];
    const positions = events.filter((e) => e.flow !== null).map((e) => order.indexOf(e.flow!));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p >= positions[i - 1]!))).toBe(true);
  }
  // Both processes, fed by the same NOTIFYs, ended on the same final version.
  expect(ws.events.at(-1)!.version).toBe(sse.events.at(-1)!.version);
}, 240_000);
