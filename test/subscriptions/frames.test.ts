import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { until } from './clients.ts';

// The frames graphql-ws subscribers get, read raw off the socket. A change is written to every
// subscriber of a shape from one payload serialised once, with each subscription's own id around it
// (src/http/graphql-ws.ts): the id must be the subscription's, the payload its own document's, and
// nothing may cross from one customer to another, whatever ids their clients choose.

interface Frame {
  id?: string;
  type: string;
  payload?: { data?: { workflowProgress: Record<string, unknown> }; errors?: unknown[] };
}

/** A graphql-transport-ws connection, spoken by hand: every message it receives, as sent. */
async function rawSocket(app: TestApp, key: string) {
  const socket = new WebSocket(app.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const frames: Frame[] = [];
  const raw: string[] = [];
  socket.on('message', (data) => {
    raw.push(String(data));
    frames.push(JSON.parse(String(data)) as Frame);
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
  await until('the connection ack', () => frames.some((frame) => frame.type === 'connection_ack'), 10_000);
  return {
    frames,
    raw,
    subscribe: (id: string, query: string, workflowId: string) =>
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables: { id: workflowId } } })),
    complete: (id: string) => socket.send(JSON.stringify({ id, type: 'complete' })),
    /** The `next` payloads of one subscription, in order of arrival. */
    events: (id: string) => frames.filter((frame) => frame.type === 'next' && frame.id === id).map((frame) => frame.payload!),
    close: () => socket.close(),
  };
}

const IDS_AND_VERSION = 'subscription($id: ID!) { workflowProgress(id: $id) { workflowId version } }';
const VERSION_AND_TITLE = 'subscription($id: ID!) { workflowProgress(id: $id) { version workflow { title } } }';
const OWNER_FIELDS = 'subscription($id: ID!) { workflowProgress(id: $id) { version workflow { customerId title } } }';

let app: TestApp;
let alice: { customerId: string; apiKey: string };
let bob: { customerId: string; apiKey: string };

beforeAll(async () => {
  app = await startTestApp();
  alice = await app.createCustomer(10, 'Alice');
  bob = await app.createCustomer(10, 'Bob');
});

afterAll(() => app?.stop());

const retitle = (customerId: string, workflowId: string, title: string) =>
  app.services.workflows.update({ kind: 'customer', customerId }, workflowId, { title });

describe('graphql-ws next frames', () => {
  test("each subscription's frames carry its own id and its own document's payload, and nothing crosses between customers", async () => {
    const alicePrivate = (await createWorkflowFor(app, alice.customerId)).id;
    const alicePublic = (await createWorkflowFor(app, alice.customerId, { visibilityStatus: 'PUBLIC' })).id;
    const bobPrivate = (await createWorkflowFor(app, bob.customerId)).id;
    const a = await rawSocket(app, alice.apiKey);
    const b = await rawSocket(app, bob.apiKey);
    try {
      // Two subscriptions of one shape (s1, s3) share a payload; s2 is another shape of the same workflow.
      a.subscribe('s1', IDS_AND_VERSION, alicePrivate);
      a.subscribe('s2', VERSION_AND_TITLE, alicePrivate);
      a.subscribe('s3', IDS_AND_VERSION, alicePrivate);
      a.subscribe('p', OWNER_FIELDS, alicePublic);
      // Bob's client picks the same ids, and the same documents, on his own workflow and Alice's PUBLIC one.
      b.subscribe('s1', IDS_AND_VERSION, bobPrivate);
      b.subscribe('p', OWNER_FIELDS, alicePublic);
      const firstEvents = () =>
        ['s1', 's2', 's3', 'p'].every((id) => a.events(id).length === 1) && ['s1', 'p'].every((id) => b.events(id).length === 1);
      await until('the first event of every subscription', firstEvents, 10_000);

      const privateBefore = a.events('s1')[0]!.data!.workflowProgress['version'] as number;
      const publicBefore = a.events('p')[0]!.data!.workflowProgress['version'] as number;
      const bobBefore = b.events('s1')[0]!.data!.workflowProgress['version'] as number;
      for (const title of ['Alice one', 'Alice two', 'Alice three']) await retitle(alice.customerId, alicePrivate, title);
      await retitle(alice.customerId, alicePublic, 'Alice public');
      for (const title of ['Bob one', 'Bob two']) await retitle(bob.customerId, bobPrivate, title);
      const last = (events: Frame['payload'][]) => events.at(-1)?.data?.workflowProgress['version'];
      await until(
        'the last version on every subscription',
        () =>
          ['s1', 's2', 's3'].every((id) => last(a.events(id)) === privateBefore + 3) &&
          last(a.events('p')) === publicBefore + 1 &&
          last(b.events('p')) === publicBefore + 1 &&
          last(b.events('s1')) === bobBefore + 2,
        10_000,
      );

      for (const frame of a.frames.filter((f) => f.type === 'next')) expect(['s1', 's2', 's3', 'p']).toContain(frame.id);
      for (const frame of b.frames.filter((f) => f.type === 'next')) expect(['s1', 'p']).toContain(frame.id);
      expect(a.frames.concat(b.frames).filter((f) => f.type === 'error')).toEqual([]);

      // Each id gets its own document's fields, for its own workflow, newer versions only (the feed may
      // skip a version that a later one overtook while it read, never the last one).
      const versions = (events: Frame['payload'][]) => events.map((event) => event!.data!.workflowProgress['version'] as number);
      const rising = (list: number[], from: number, to: number) => {
        expect(list[0]).toBe(from);
        expect(list.at(-1)).toBe(to);
        for (const [i, version] of list.entries()) if (i > 0) expect(version).toBeGreaterThan(list[i - 1]!);
      };
      for (const id of ['s1', 's3']) {
        rising(versions(a.events(id)), privateBefore, privateBefore + 3);
        for (const event of a.events(id)) expect(Object.keys(event!.data!.workflowProgress).sort()).toEqual(['version', 'workflowId']);
        for (const event of a.events(id)) expect(event!.data!.workflowProgress['workflowId']).toBe(alicePrivate);
      }
      rising(versions(a.events('s2')), privateBefore, privateBefore + 3);
      const titles = new Map([
        [privateBefore + 1, 'Alice one'],
        [privateBefore + 2, 'Alice two'],
        [privateBefore + 3, 'Alice three'],
      ]);
      for (const event of a.events('s2').slice(1)) {
        const { version, workflow } = event!.data!.workflowProgress as { version: number; workflow: { title: string } };
        expect(Object.keys(event!.data!.workflowProgress).sort()).toEqual(['version', 'workflow']);
        expect(workflow).toEqual({ title: titles.get(version) });
      }
      rising(versions(b.events('s1')), bobBefore, bobBefore + 2);
      for (const event of b.events('s1')) expect(event!.data!.workflowProgress['workflowId']).toBe(bobPrivate);

      // The PUBLIC workflow: one document, two principals, two payloads; the owner's field stays the owner's.
      expect(a.events('p').at(-1)!.data!.workflowProgress).toEqual({
        version: publicBefore + 1,
        workflow: { customerId: alice.customerId, title: 'Alice public' },
      });
      expect(b.events('p').at(-1)!.data!.workflowProgress).toEqual({
        version: publicBefore + 1,
        workflow: { customerId: null, title: 'Alice public' },
      });
      const bobSaw = b.raw.join('\n');
      for (const secret of [alicePrivate, alice.customerId, 'Alice one', 'Alice two', 'Alice three']) expect(bobSaw).not.toContain(secret);
      expect(a.raw.join('\n')).not.toContain(bobPrivate);

      // The frame is exactly graphql-ws's: the id, the type, the payload, nothing else.
      const lastOfS3 = a.raw.filter((text) => text.startsWith('{"id":"s3","type":"next"')).at(-1)!;
      expect(lastOfS3).toBe(JSON.stringify({ id: 's3', type: 'next', payload: a.events('s3').at(-1) }));
    } finally {
      a.close();
      b.close();
    }
  });

  test('an id completed and used again for another document gets only the new subscription, and the old one no frame after it', async () => {
    const workflowId = (await createWorkflowFor(app, alice.customerId)).id;
    const a = await rawSocket(app, alice.apiKey);
    try {
      a.subscribe('x', IDS_AND_VERSION, workflowId);
      await until('the first event', () => a.events('x').length === 1, 10_000);
      const before = a.events('x')[0]!.data!.workflowProgress['version'] as number;
      await retitle(alice.customerId, workflowId, 'first');
      await until('the change', () => a.events('x').length === 2, 10_000);
      a.complete('x');
      // graphql-ws forgets an id once its old operation has wound down; a subscription opened after the
      // complete, answered after a read of its own, comes after that.
      a.subscribe('y', IDS_AND_VERSION, workflowId);
      await until("another subscription's first event", () => a.events('y').length === 1, 10_000);
      a.subscribe('x', VERSION_AND_TITLE, workflowId);
      await until("the new subscription's first event", () => a.events('x').length === 3, 10_000);
      await retitle(alice.customerId, workflowId, 'second');
      await until(
        'the change on the new subscription',
        () => a.events('x').at(-1)?.data?.workflowProgress['version'] === before + 2,
        10_000,
      );
      expect(a.events('x').map((event) => event!.data!.workflowProgress)).toEqual([
        { workflowId, version: before },
        { workflowId, version: before + 1 },
        { version: before + 1, workflow: { title: 'first' } },
        { version: before + 2, workflow: { title: 'second' } },
      ]);
      await until('the change on the other subscription', () => a.events('y').length === 2, 10_000);
      expect(a.events('y').map((event) => event!.data!.workflowProgress)).toEqual([
        { workflowId, version: before + 1 },
        { workflowId, version: before + 2 },
      ]);
    } finally {
      a.close();
    }
  });
});
