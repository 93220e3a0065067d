import { afterAll, beforeAll, test } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { expectOneBudgetAcrossProcesses } from '../helpers/shared-budget.ts';

// Per-key limits counted in PostgreSQL (the default store); test/scale/redis-limits.test.ts counts them in Redis.
const logger = createLogger('silent');

let app: TestApp;
const pools: Database[] = [];

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.destroy()));
  await app?.stop();
});

test('three calls an hour for a key: two on one process and one on the other use them up for both', async () => {
  await expectOneBudgetAcrossProcesses(() => {
    // Through PgBouncer when the run uses it (the scale suite): the limiter must not name statements.
    const db = createDatabase(app.poolUrl, { poolSize: 2, logger });
    pools.push(db);
    return { kind: 'postgres', db };
  }, logger);
});
