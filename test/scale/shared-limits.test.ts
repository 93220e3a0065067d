import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import { type RateLimitStore, sharedRateLimiter } from '../../src/modules/shared/key-rate-limiter.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

// Per-key limits hold across API processes: two limiters on one store, each with its own pool or
// Redis connection, stand for two processes. A window of an hour keeps the test free of timing.
const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const logger = createLogger('silent');

let app: TestApp;
const pools: Database[] = [];
const redisClients: Redis[] = [];

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.destroy()));
  for (const client of redisClients) client.disconnect();
  await app?.stop();
});

function store(kind: 'postgres' | 'redis'): RateLimitStore {
  if (kind === 'redis') {
    const client = new Redis(REDIS_URL);
    redisClients.push(client);
    return { kind, client };
  }
  // Through PgBouncer when the run uses it (TEST_PGBOUNCER=1): the limiter must not name statements.
  const db = createDatabase(app.poolUrl, { poolSize: 2, logger });
  pools.push(db);
  return { kind, db };
}

describe.each(['postgres', 'redis'] as const)('counted in %s', (kind) => {
  test('three calls an hour for a key: two on one process and one on the other use them up for both', async () => {
    const keyPrefix = `test-${randomUUID()}`;
    const options = { keyPrefix, points: 3, durationSeconds: 3600, logger };
    const first = sharedRateLimiter(store(kind), options);
    const second = sharedRateLimiter(store(kind), options);
    expect(await first.take('customer:a')).toEqual({ ok: true });
    expect(await first.take('customer:a')).toEqual({ ok: true });
    expect(await second.take('customer:a')).toEqual({ ok: true });
    const refused = await second.take('customer:a');
    expect(refused.ok).toBe(false);
    expect(refused.ok === false && refused.retryAfterSeconds).toBeGreaterThan(3000);
    expect((await first.take('customer:a')).ok).toBe(false);
    // Another key has its own budget.
    expect(await second.take('customer:b')).toEqual({ ok: true });
  });
});
