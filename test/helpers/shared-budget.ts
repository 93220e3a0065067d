import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Logger } from '../../src/logger.ts';
import { type RateLimitStore, sharedRateLimiter } from '../../src/modules/shared/key-rate-limiter.ts';

/**
 * Per-key limits hold across API processes: two limiters on one store, each with its own pool or
 * Redis connection, stand for two processes. A window of an hour keeps the check free of timing.
 * Three calls an hour for a key: two on one process and one on the other use them up for both.
 */
export async function expectOneBudgetAcrossProcesses(store: () => RateLimitStore, logger: Logger): Promise<void> {
  const keyPrefix = `test-${randomUUID()}`;
  const options = { keyPrefix, points: 3, durationSeconds: 3600, logger };
  const first = sharedRateLimiter(store(), options);
  const second = sharedRateLimiter(store(), options);
  expect(await first.take('customer:a')).toEqual({ ok: true });
  expect(await first.take('customer:a')).toEqual({ ok: true });
  expect(await second.take('customer:a')).toEqual({ ok: true });
  const refused = await second.take('customer:a');
  expect(refused.ok).toBe(false);
  expect(refused.ok === false && refused.retryAfterSeconds).toBeGreaterThan(3000);
  expect((await first.take('customer:a')).ok).toBe(false);
  // Another key has its own budget.
  expect(await second.take('customer:b')).toEqual({ ok: true });
}
