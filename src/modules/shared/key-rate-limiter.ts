import type { Redis } from 'ioredis';
import { CompiledQuery } from 'kysely';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Database } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import { TokenBuckets } from './token-buckets.ts';

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Calls per key and per window; where the count lives decides whether it holds across processes. */
export interface KeyRateLimiter {
  take(key: string): Promise<TakeResult>;
}

/** In this process's memory (a token bucket per key): for one process, and tests that move the clock. */
export function inProcessRateLimiter(ratePerSecond: number, now: () => number): KeyRateLimiter {
  const buckets = new TokenBuckets(ratePerSecond, now);
  return { take: async (key) => buckets.take(key) };
}

/**
 * Where counts shared by every process are kept: PostgreSQL (the rate_limits table) or Redis; or
 * this process's memory, for one process (and tests), with the same windows.
 */
export type RateLimitStore = { kind: 'postgres'; db: Database } | { kind: 'redis'; client: Redis } | { kind: 'memory' };

/**
 * Counted in PostgreSQL or Redis, so the limit holds for a key however many API processes it calls
 * (rate-limiter-flexible, fixed windows). When the store cannot be reached the call is let through:
 * the limit protects the service, and a call that then needs the database fails on its own.
 */
export function sharedRateLimiter(
  store: RateLimitStore,
  options: { keyPrefix: string; points: number; durationSeconds: number; logger: Logger },
): KeyRateLimiter {
  const common = { keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds };
  const limiter: RateLimiterAbstract =
    store.kind === 'memory'
      ? new RateLimiterMemory(common)
      : store.kind === 'redis'
        ? new RateLimiterRedis({ ...common, storeClient: store.client })
        : new RateLimiterPostgres({
            ...common,
            // The table comes with the migrations. Statements go through our pool unnamed: the
            // library names its prepared statements, which PgBouncer in transaction mode cannot keep.
            tableName: 'rate_limits',
            tableCreated: true,
            storeType: 'pool',
            storeClient: {
              query: (q: { text: string; values?: unknown[] }) => store.db.executeQuery(CompiledQuery.raw(q.text, q.values ?? [])),
            },
          });
  return {
    take: async (key) => {
      try {
        await limiter.consume(key, 1);
        return { ok: true };
      } catch (outcome) {
        if (outcome instanceof RateLimiterRes) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)) };
        options.logger.warn({ err: outcome }, 'the shared rate-limit store failed; letting the call through');
        return { ok: true };
      }
    },
  };
}
