import net from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

// A transaction's BEGIN goes out with its first statement (src/db/pipelined-begin.ts). Counted
// between the pool and PostgreSQL: a turn is a run of the client's bytes with no answer between.

/** A TCP relay in front of `target` that counts the client's turns. */
async function turnCounter(target: URL) {
  let turns = 0;
  let answered = true;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    client.on('data', (chunk) => {
      if (answered) turns++;
      answered = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      answered = true;
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    count: async (work: () => Promise<unknown>) => {
      const from = turns;
      await work();
      return turns - from;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let app: TestApp;
let counter: Awaited<ReturnType<typeof turnCounter>>;
let db: Database;

beforeAll(async () => {
  app = await startTestApp();
  counter = await turnCounter(new URL(app.databaseUrl));
  db = createDatabase(counter.url, { poolSize: 1 });
  await sql`SELECT 1`.execute(db);
});
afterAll(async () => {
  await db?.destroy();
  await counter?.close();
  await app?.stop();
});

describe('a transaction on the pool', () => {
  test('its BEGIN shares the first statement’s round trip: BEGIN, two statements and COMMIT take three turns', async () => {
    const turns = await counter.count(() =>
      db.transaction().execute(async (trx) => {
        await sql`SELECT 1`.execute(trx);
        await sql`SELECT 2`.execute(trx);
      }),
    );
    expect(turns).toBe(3);
  });

  test('it is still one transaction: a failure rolls back what its first statement wrote', async () => {
    const before = await db.selectFrom('customers').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`INSERT INTO customers (name) VALUES ('rolled back')`.execute(trx);
        await sql`SELECT 1 / 0`.execute(trx);
      }),
    ).rejects.toThrow(/division by zero/);
    const after = await db.selectFrom('customers').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  test('statements outside a transaction are untouched: one turn each', async () => {
    expect(await counter.count(() => sql`SELECT 1`.execute(db))).toBe(1);
  });
});
