import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createDatabase } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import type { NotifierSubscription } from '../../src/notifier/index.ts';
import { publishMessage } from '../../src/notifier/notifier.ts';
import { createRedisNotifier, type RedisNotifier } from '../../src/notifier/redis-notifier.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually } from '../helpers/processes.ts';

// The Redis notifier (NOTIFIER=redis): the machine's Redis at 127.0.0.1:6379, or TEST_REDIS_URL.
const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const CHANNEL = 'framewright_scale_test';
const logger = createLogger('silent');

const namespace = `test-${Math.random().toString(36).slice(2)}`;
let app: TestApp;
let notifier: RedisNotifier;
let db: Database;
let admin: Redis;
const subscriptions: NotifierSubscription[] = [];

beforeAll(async () => {
  app = await startTestApp();
  // Its own namespace: tests of other files share the Redis server.
  notifier = createRedisNotifier({ url: REDIS_URL, namespace, logger });
  db = createDatabase(app.poolUrl, { poolSize: 4, logger, publisher: notifier });
  admin = new Redis(REDIS_URL);
});

afterAll(async () => {
  await Promise.all(subscriptions.map((s) => s.stop()));
  await db?.destroy();
  await notifier?.stop();
  admin?.disconnect();
  await app?.stop();
});

function follow(): { received: string[]; resyncs: () => number; ready: Promise<void> } {
  const received: string[] = [];
  let resyncs = 0;
  let ready!: () => void;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  subscriptions.push(
    notifier.subscribe([CHANNEL], {
      onMessage: (_channel, payload) => received.push(payload),
      onResync: () => {
        resyncs++;
        ready();
      },
    }),
  );
  return { received, resyncs: () => resyncs, ready: listening };
}

test('a message leaves when its transaction commits: after one published later outside it, and never when it rolls back', async () => {
  const { received, ready } = follow();
  await ready;
  await db.transaction().execute(async (trx) => {
    await publishMessage(trx, CHANNEL, 'in-transaction');
    await sql`SELECT 1`.execute(trx);
    // Outside the transaction, sent at once: it overtakes the one waiting for the commit.
    await publishMessage(db, CHANNEL, 'outside');
  });
  await db
    .transaction()
    .execute(async (trx) => {
      await publishMessage(trx, CHANNEL, 'rolled-back');
      throw new Error('roll back');
    })
    .catch(() => {});
  await publishMessage(db, CHANNEL, 'last');
  // One publishing connection keeps the order: 'last' arrives after anything sent before it.
  await eventually('the last message', async () => (received.includes('last') ? true : undefined));
  expect(received).toEqual(['outside', 'in-transaction', 'last']);
});

test('after Redis drops the subscription connection, it subscribes again and asks for a resync; messages flow again', async () => {
  const { received, resyncs, ready } = follow();
  await ready;
  expect(resyncs()).toBe(1);
  const clients = (await admin.client('LIST')) as string;
  const ids = clients
    .split('\n')
    .filter((line) => line.includes(` name=framewright:${namespace}:subscriber `))
    .map((line) => /id=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  expect(ids.length).toBeGreaterThan(0);
  for (const id of ids) await admin.client('KILL', 'ID', id);
  await eventually('a resync after the reconnect', async () => (resyncs() >= 2 ? true : undefined));
  await publishMessage(db, CHANNEL, 'after-reconnect');
  await eventually('the message sent after the reconnect', async () => (received.includes('after-reconnect') ? true : undefined));
});
