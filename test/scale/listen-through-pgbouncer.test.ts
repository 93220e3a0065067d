import { afterAll, beforeAll, expect, test } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import type { Notifier, NotifierSubscription } from '../../src/notifier/index.ts';
import { publishMessage } from '../../src/notifier/notifier.ts';
import { createPostgresNotifier } from '../../src/notifier/postgres-notifier.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { type PgBouncer, startPgBouncer } from '../helpers/pgbouncer.ts';
import { eventually } from '../helpers/processes.ts';

// Why DATABASE_LISTEN_URL exists: LISTEN is session state. Through PgBouncer in transaction mode
// the LISTEN runs on whichever server connection the bouncer lends, which goes back to the pool at
// once: the registration is lost for our client, silently. Writes (and their NOTIFY, sent inside
// the writing transaction) work through the bouncer; only the listening side must go direct.
const CHANNEL = 'framewright_scale_test';
const logger = createLogger('silent');

let app: TestApp;
let bouncer: PgBouncer;
let pooled: Database;
const subscriptions: NotifierSubscription[] = [];

beforeAll(async () => {
  app = await startTestApp();
  bouncer = await startPgBouncer(app.databaseUrl);
  pooled = createDatabase(bouncer.url, { poolSize: 4, logger });
});

afterAll(async () => {
  await Promise.all(subscriptions.map((s) => s.stop()));
  await pooled?.destroy();
  await bouncer?.stop();
  await app?.stop();
});

/** Subscribes and resolves once the subscription stands, with what it has received so far. */
async function follow(notifier: Notifier): Promise<string[]> {
  const received: string[] = [];
  let ready!: () => void;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  subscriptions.push(notifier.subscribe([CHANNEL], { onMessage: (_channel, payload) => received.push(payload), onResync: () => ready() }));
  await listening;
  return received;
}

/** Ten messages, each from its own committed transaction through PgBouncer. */
async function publishTen(tag: string): Promise<string[]> {
  const sent = Array.from({ length: 10 }, (_, i) => `${tag}-${i}`);
  for (const payload of sent) await pooled.transaction().execute((trx) => publishMessage(trx, CHANNEL, payload));
  return sent;
}

test('LISTEN through PgBouncer (transaction mode) misses every event; LISTEN on DATABASE_LISTEN_URL (direct) misses none', async () => {
  const throughBouncer = await follow(createPostgresNotifier({ listenUrl: bouncer.url, logger }));
  const direct = await follow(createPostgresNotifier({ listenUrl: app.databaseUrl, logger }));

  const first = await publishTen('a');
  await eventually('the direct listener heard the first ten', async () => (direct.length === first.length ? true : undefined));
  // PostgreSQL sends a notification to every listening backend at commit. Ten more commits and
  // their round trips later, anything the bouncer-side client was going to get of the first ten
  // has long arrived: nothing did, and nothing of the second ten either.
  const second = await publishTen('b');
  await eventually('the direct listener heard all twenty', async () => (direct.length === 20 ? true : undefined));
  expect(direct).toEqual([...first, ...second]);
  expect(throughBouncer).toEqual([]);
});
