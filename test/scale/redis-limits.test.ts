import { Redis } from 'ioredis';
import { afterAll, test } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { expectOneBudgetAcrossProcesses } from '../helpers/shared-budget.ts';

// Per-key limits counted in Redis, as with NOTIFIER=redis: the machine's Redis at
// 127.0.0.1:6379, or TEST_REDIS_URL.
const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const logger = createLogger('silent');
const clients: Redis[] = [];

afterAll(() => {
  for (const client of clients) client.disconnect();
});

test('three calls an hour for a key: two on one process and one on the other use them up for both', async () => {
  await expectOneBudgetAcrossProcesses(() => {
    const client = new Redis(REDIS_URL);
    clients.push(client);
    return { kind: 'redis', client };
  }, logger);
});
