import { randomUUID } from 'node:crypto';
import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { createLogger } from '../../src/logger.ts';
import { WorkflowProgressFeed } from '../../src/progress/feed.ts';
import type { JobRunner } from '../../src/worker/runner.ts';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { expectWellFormed, type Subscription, subscribeSse, subscribeWs, until, WorkflowProgress, wsClient } from './clients.ts';

let app: TestApp;
let owner: { customerId: string; apiKey: string };
let stranger: { customerId: string; apiKey: string };
const clients: Client[] = [];
const open: Subscription[] = [];
let runner: JobRunner | undefined;

beforeAll(async () => {
  // No worker at start: each test decides when runs may go.
  app = await startTestApp();
  owner = await app.createCustomer(1000, 'Owner');
  stranger = await app.createCustomer(10, 'Stranger');
});

afterEach(async () => {
  for (const subscription of open.splice(0)) subscription.close();
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  await runner?.stop(0);
  runner = undefined;
});

afterAll(async () => {
  await app?.stop();
});

function client(key?: string, options?: { header?: boolean }): Client {
  const c = wsClient(app.url, key, options);
  clients.push(c);
  return c;
}

function track<T extends Subscription>(subscription: T): T {
  open.push(subscription);
  return subscription;
}

const ownerViewer = () => ({ kind: 'customer' as const, customerId: owner.customerId });

describe('a run, live', () => {
  test('over graphql-ws and SSE: the current state at once, then every change in order, ending at SUCCESS 100', async () => {
    const workflow = await createWorkflowFor(app, owner.customerId);
    const ws = track(subscribeWs(client(owner.apiKey), { id: workflow.id }));
    const sse = track(subscribeSse(app.url, { id: workflow.id }, owner.apiKey));
    await Promise.all([ws.received(1), sse.received(1)]);
    for (const first of [ws.events[0]!, sse.events[0]!]) {
      expect(first).toMatchObject({
        workflowId: workflow.id,
        processingStatus: 'QUEUED',
        progressPercentage: 0,
        flow: null,
        flowStatus: null,
        version: 1,
      });
      expect(first.workflow).toMatchObject({ id: workflow.id, processingStatus: 'QUEUED', version: 1 });
      expect(Number.isNaN(Date.parse(first.emittedAt))).toBe(false);
    }

    runner = app.startWorker();
    const [wsEnd, sseEnd] = await Promise.all([ws.ended, sse.ended]);
    expect(wsEnd).toEqual({ completed: true, errors: [] });
    expect(sseEnd).toEqual({ completed: true, errors: [] });
    for (const { events } of [ws, sse]) {
      expectWellFormed(events);
      const last = events.at(-1)!;
      expect(last).toMatchObject({ processingStatus: 'SUCCESS', progressPercentage: 100, flow: null, flowStatus: null });
      expect(last.workflow.completions.map((c) => c.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
      // Events during the run name the flow; flows only move forward.
      const running = events.filter((e) => e.processingStatus === 'PROCESSING');
      expect(running.length).toBeGreaterThan(0);
      const order = ['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA'];
      const positions = running.filter((e) => e.flow !== null).map((e) => order.indexOf(e.flow!));
      expect(positions.every((p, i) => p >= 0 && (i === 0 || p >= positions[i - 1]!))).toBe(true);
      for (const event of running.filter((e) => e.flow !== null)) {
        // The event's flow is the one its own workflow.completions shows as running (or last run).
        const completion = event.workflow.completions.find((c) => c.flow === event.flow)!;
        expect(completion.status).toBe(event.flowStatus);
      }
    }
    // The last event matches the database.
    const final = await app.services.workflows.get(ownerViewer(), workflow.id);
    expect(ws.events.at(-1)!.version).toBe(final.version);
  });

  test('a finished workflow yields exactly one event, its final state, and completes', async () => {
    const workflow = await createWorkflowFor(app, owner.customerId);
    await app.services.workflows.cancel(ownerViewer(), workflow.id);
    const ws = track(subscribeWs(client(owner.apiKey), { id: workflow.id }));
    const sse = track(subscribeSse(app.url, { id: workflow.id }, owner.apiKey));
    for (const subscription of [ws, sse]) {
      expect(await subscription.ended).toEqual({ completed: true, errors: [] });
      expect(subscription.events).toHaveLength(1);
      expect(subscription.events[0]).toMatchObject({ processingStatus: 'CANCELED', version: 2, flow: null });
    }
  });

  test('deleting the workflow ends open streams with a final CANCELED event', async () => {
    const workflow = await createWorkflowFor(app, owner.customerId, { title: 'Short-lived' });
    const ws = track(subscribeWs(client(owner.apiKey), { id: workflow.id }));
    const sse = track(subscribeSse(app.url, { id: workflow.id }, owner.apiKey));
    await Promise.all([ws.received(1), sse.received(1)]);
    await app.services.workflows.delete(ownerViewer(), workflow.id);
    for (const subscription of [ws, sse]) {
      expect(await subscription.ended).toEqual({ completed: true, errors: [] });
      expect(subscription.events.map((e) => e.processingStatus)).toEqual(['QUEUED', 'CANCELED']);
      expect(subscription.events[1]).toMatchObject({ version: 2, flow: null, flowStatus: null });
      expect(subscription.events[1]!.workflow).toMatchObject({ id: workflow.id, processingStatus: 'CANCELED' });
    }
    // And afterwards it is simply not there.
    const late = track(subscribeWs(client(owner.apiKey), { id: workflow.id }));
    expect((await late.ended).errors[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });
});

describe('resuming with sinceVersion', () => {
  test('a subscriber that left at version v and comes back with sinceVersion v gets what it missed, then the end', async () => {
    const workflow = await createWorkflowFor(app, owner.customerId);
    const first = subscribeWs(client(owner.apiKey), { id: workflow.id });
    await first.received(1);
    const seen = first.events[0]!.version;
    first.close();
    // Changes while it is away: an edit, and a whole run.
    await app.services.workflows.update(ownerViewer(), workflow.id, { title: 'Renamed while away' });
    runner = app.startWorker();
    await until(
      'the run to start',
      async () => (await app.services.workflows.get(ownerViewer(), workflow.id)).processingStatus !== 'QUEUED',
    );

    const again = track(subscribeWs(client(owner.apiKey), { id: workflow.id, sinceVersion: seen }));
    expect(await again.ended).toEqual({ completed: true, errors: [] });
    expectWellFormed(again.events);
    expect(again.events[0]!.version).toBeGreaterThan(seen);
    expect(again.events.at(-1)).toMatchObject({ processingStatus: 'SUCCESS', progressPercentage: 100 });
  });

  test('with nothing missed the first event is the state it already had; the stream goes on from there', async () => {
    const workflow = await createWorkflowFor(app, owner.customerId);
    const resumed = track(subscribeSse(app.url, { id: workflow.id, sinceVersion: 1 }, owner.apiKey));
    await resumed.received(1);
    expect(resumed.events[0]).toMatchObject({ version: 1, processingStatus: 'QUEUED' });
    await app.services.workflows.cancel(ownerViewer(), workflow.id);
    expect(await resumed.ended).toEqual({ completed: true, errors: [] });
    expect(resumed.events.map((e) => [e.version, e.processingStatus])).toEqual([
      [1, 'QUEUED'],
      [2, 'CANCELED'],
    ]);
  });

  test('a sinceVersion ahead of the workflow gets the current state all the same (the server wins)', async () => {
    const workflow = await createWorkflowFor(app, owner.customerId);
    const ahead = track(subscribeWs(client(owner.apiKey), { id: workflow.id, sinceVersion: 999 }));
    await ahead.received(1);
    expect(ahead.events[0]).toMatchObject({ version: 1, processingStatus: 'QUEUED' });
  });

  test('a negative sinceVersion is BAD_USER_INPUT', async () => {
    const workflow = await createWorkflowFor(app, owner.customerId);
    const ws = track(subscribeWs(client(owner.apiKey), { id: workflow.id, sinceVersion: -1 }));
    expect((await ws.ended).errors[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });
});

describe('who may subscribe', () => {
  test("another customer's workflow and an unknown id are NOT_FOUND, over both transports", async () => {
    const workflow = await createWorkflowFor(app, owner.customerId);
    const attempts = [
      subscribeWs(client(stranger.apiKey), { id: workflow.id }),
      subscribeSse(app.url, { id: workflow.id }, stranger.apiKey),
      subscribeWs(client(owner.apiKey), { id: randomUUID() }),
      subscribeSse(app.url, { id: randomUUID() }, owner.apiKey),
    ];
    for (const attempt of attempts) {
      const { errors } = await attempt.ended;
      expect(attempt.events).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.extensions?.['code']).toBe('NOT_FOUND');
    }
  });

  test('a malformed id is BAD_USER_INPUT', async () => {
    const ws = track(subscribeWs(client(owner.apiKey), { id: 'not-a-uuid' }));
    expect((await ws.ended).errors[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  test('without a key: UNAUTHENTICATED for a PRIVATE workflow (or an unknown id); a PUBLIC one is open to anyone', async () => {
    const privateOne = await createWorkflowFor(app, owner.customerId);
    const publicOne = await createWorkflowFor(app, owner.customerId, { visibilityStatus: 'PUBLIC' });
    for (const attempt of [
      subscribeWs(client(), { id: privateOne.id }),
      subscribeSse(app.url, { id: privateOne.id }),
      subscribeWs(client(), { id: randomUUID() }),
    ]) {
      const { errors } = await attempt.ended;
      expect(errors[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    }
    const anonymous = track(subscribeWs(client(), { id: publicOne.id }));
    const strangers = track(subscribeSse(app.url, { id: publicOne.id }, stranger.apiKey));
    await Promise.all([anonymous.received(1), strangers.received(1)]);
    expect(anonymous.events[0]).toMatchObject({ workflowId: publicOne.id, processingStatus: 'QUEUED' });

    // Made PRIVATE again: the anonymous stream stops; the owner's view is unaffected.
    await app.services.workflows.update(ownerViewer(), publicOne.id, { visibilityStatus: 'PRIVATE' });
    expect(await anonymous.ended).toEqual({ completed: true, errors: [] });
    expect(anonymous.events.every((e) => e.workflow.visibilityStatus === 'PUBLIC')).toBe(true);
  });

  test('the admin key may follow any workflow; the key may come in the upgrade request header too', async () => {
    const workflow = await createWorkflowFor(app, owner.customerId);
    const admin = track(subscribeWs(client(ADMIN_KEY), { id: workflow.id }));
    const byHeader = track(subscribeWs(client(owner.apiKey, { header: true }), { id: workflow.id }));
    await Promise.all([admin.received(1), byHeader.received(1)]);
    expect(admin.events[0]!.workflowId).toBe(workflow.id);
    expect(byHeader.events[0]!.workflowId).toBe(workflow.id);
  });

  test("over graphql-ws the key may also come in the operation's extensions.headers (what GraphiQL sends)", async () => {
    const workflow = await createWorkflowFor(app, owner.customerId);
    const events: unknown[] = [];
    const done = new Promise<void>((resolve, reject) => {
      client().subscribe(
        {
          query: print(WorkflowProgress),
          variables: { id: workflow.id },
          extensions: { headers: { Authorization: `Bearer ${owner.apiKey}` } },
        },
        {
          next: (result) => (result.errors ? reject(new Error(JSON.stringify(result.errors))) : events.push(result.data)),
          error: reject,
          complete: resolve,
        },
      );
    });
    await app.services.workflows.cancel(ownerViewer(), workflow.id);
    await done;
    expect(events.length).toBeGreaterThan(0);
  });

  test('a key that is not valid is UNAUTHENTICATED, over both transports', async () => {
    const workflow = await createWorkflowFor(app, owner.customerId);
    const ws = subscribeWs(client('fw_not_a_real_key'), { id: workflow.id });
    const sse = subscribeSse(app.url, { id: workflow.id }, 'fw_not_a_real_key');
    for (const attempt of [ws, sse]) {
      const { errors } = await attempt.ended;
      expect(errors[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    }
  });
});

describe('many subscribers', () => {
  test('200 concurrent subscribers (graphql-ws and SSE) on one workflow all get the final event, for one read per version', async () => {
    const workflow = await createWorkflowFor(app, owner.customerId);
    const readsBefore = await progressReads(app);
    const subscriptions: Subscription[] = [];
    // 120 over graphql-ws, 15 on each of 8 sockets (the default allows 20 a socket), and 80 over SSE.
    for (let socket = 0; socket < 8; socket++) {
      const c = client(owner.apiKey);
      for (let i = 0; i < 15; i++) subscriptions.push(track(subscribeWs(c, { id: workflow.id })));
    }
    for (let i = 0; i < 80; i++) subscriptions.push(track(subscribeSse(app.url, { id: workflow.id }, owner.apiKey)));
    await Promise.all(subscriptions.map((s) => s.received(1)));

    runner = app.startWorker();
    const ends = await Promise.all(subscriptions.map((s) => s.ended));
    expect(ends.filter((end) => !end.completed)).toEqual([]);
    for (const subscription of subscriptions) {
      expectWellFormed(subscription.events);
      expect(subscription.events.at(-1)).toMatchObject({ processingStatus: 'SUCCESS', progressPercentage: 100 });
    }
    await until('every stream to be let go', async () => (await openSubscriptions(app)) === 0);
    const final = await app.services.workflows.get(ownerViewer(), workflow.id);
    // One read when the first subscriber came, and at most one per later version (plus, on a slow
    // machine, the periodic safety re-read): not one per subscriber.
    expect((await progressReads(app)) - readsBefore).toBeLessThanOrEqual(final.version + 1);
  });

  test('a subscriber that falls behind skips the versions in between and gets the latest state', async () => {
    // The feed itself, on its own LISTEN connection to the app's database: the slow reader is one
    // that simply does not ask for its next event for a while.
    const feed = new WorkflowProgressFeed({
      notifier: app.notifier,
      workflows: app.services.workflows,
      keys: app.services.customers,
      limits: { maxSubscriptionsPerConnection: 10, maxSubscriptionsPerKey: 10 },
      logger: createLogger('silent'),
    });
    try {
      const workflow = await createWorkflowFor(app, owner.customerId);
      const request = { viewer: ownerViewer(), workflowId: workflow.id, remoteAddress: undefined };
      const slow = await feed.subscribe({ ...request, connection: {} });
      const fast = await feed.subscribe({ ...request, connection: {} });
      expect((await slow.next()).value).toMatchObject({ version: 1 });
      expect((await fast.next()).value).toMatchObject({ version: 1 });
      for (const title of ['Edit 1', 'Edit 2', 'Edit 3']) await app.services.workflows.update(ownerViewer(), workflow.id, { title });
      // The fast one keeps reading until it has version 4: by then the feed holds 4 for everyone.
      for (let version = 1; version < 4; ) {
        const next = await fast.next();
        if (next.done) throw new Error('the fast stream ended');
        version = next.value.version;
      }
      // The slow one, asking only now, gets version 4 at once: 2 and 3 are skipped, 4 is not lost.
      expect((await slow.next()).value).toMatchObject({ version: 4, workflow: { title: 'Edit 3' } });
      await app.services.workflows.cancel(ownerViewer(), workflow.id);
      expect((await slow.next()).value).toMatchObject({ version: 5, processingStatus: 'CANCELED' });
      expect(await slow.next()).toEqual({ done: true, value: undefined });
      await fast.return?.();
    } finally {
      await feed.stop();
    }
  });
});

describe('limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({
      limits: { maxSubscriptionsPerConnection: 2, maxSubscriptionsPerKey: 3, subscriptionIdleSeconds: 2, subscriptionKeepAliveSeconds: 1 },
    });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  function limitedClient(key: string): Client {
    const c = wsClient(limited.url, key);
    clients.push(c);
    return c;
  }

  test('subscriptions per connection and per key are capped (RATE_LIMITED), and a slot comes back when a stream ends', async () => {
    const { customerId, apiKey } = await limited.createCustomer(10);
    const workflow = await createWorkflowFor(limited, customerId);
    const socket = limitedClient(apiKey);
    const a = track(subscribeWs(socket, { id: workflow.id }));
    const b = track(subscribeWs(socket, { id: workflow.id }));
    await Promise.all([a.received(1), b.received(1)]);
    const third = track(subscribeWs(socket, { id: workflow.id }));
    const refused = await third.ended;
    expect(refused.errors[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    expect(refused.errors[0]?.message).toMatch(/on one connection/);

    // A third on another connection is fine (the key's third); a fourth for the key is not, on any transport.
    const c = track(subscribeSse(limited.url, { id: workflow.id }, apiKey));
    await c.received(1);
    const fourth = track(subscribeSse(limited.url, { id: workflow.id }, apiKey));
    const overKey = await fourth.ended;
    expect(overKey.errors[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    expect(overKey.errors[0]?.message).toMatch(/for one API key/);

    // Another customer has a budget of its own.
    const other = await limited.createCustomer(10);
    const theirs = await createWorkflowFor(limited, other.customerId);
    const ok = track(subscribeSse(limited.url, { id: theirs.id }, other.apiKey));
    await ok.received(1);

    // Closing streams gives their slots back (the server notices the client went), on both transports.
    a.close();
    c.close();
    // Still open: b, and the other customer's.
    await until('both slots to come back', async () => (await openSubscriptions(limited)) === 2);
    const again = [
      track(subscribeWs(limitedClient(apiKey), { id: workflow.id })),
      track(subscribeSse(limited.url, { id: workflow.id }, apiKey)),
    ];
    await Promise.all(again.map((s) => s.received(1)));
  });

  test('keep-alive pings go out, and a socket without a subscription is closed while one with a subscription stays', async () => {
    const { customerId, apiKey } = await limited.createCustomer(10);
    const busyWorkflow = await createWorkflowFor(limited, customerId);
    const busy = track(subscribeWs(limitedClient(apiKey), { id: busyWorkflow.id }));
    await busy.received(1);

    // A bare graphql-transport-ws socket: initialised, then never subscribing.
    const idle = new WebSocket(limited.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    let pings = 0;
    idle.on('ping', () => pings++);
    const acknowledged = new Promise<void>((resolve) => idle.on('message', (data) => String(data).includes('connection_ack') && resolve()));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      idle.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    idle.on('open', () => idle.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${apiKey}` } })));
    await acknowledged;
    const { code, reason } = await closed;
    expect(code).toBe(1000);
    expect(reason).toMatch(/idle/);
    expect(pings).toBeGreaterThan(0);

    // The busy socket outlived the idle one and still delivers.
    await limited.services.workflows.update({ kind: 'customer', customerId }, busyWorkflow.id, { title: 'Still here' });
    await busy.received(2);
    await limited.services.workflows.cancel({ kind: 'customer', customerId }, busyWorkflow.id);
    expect(await busy.ended).toEqual({ completed: true, errors: [] });
  });
});

async function metric(target: TestApp, name: string): Promise<number> {
  const text = await (await fetch(target.url.replace('/graphql', '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

const progressReads = (target: TestApp) => metric(target, 'framewright_workflow_progress_reads_total');
const openSubscriptions = (target: TestApp) => metric(target, 'framewright_workflow_progress_subscriptions');
