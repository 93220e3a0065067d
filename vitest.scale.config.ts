import { defineConfig } from 'vitest/config';
import { realServices } from './vitest.config.ts';

/** The multi-process files, run again with their app pools behind PgBouncer, then with the Redis notifier too. */
const multiProcess = [
  'test/limits/shared-limits.test.ts',
  'test/pipeline/lifecycle.test.ts',
  'test/subscriptions/multi-process.test.ts',
  'test/error-logs/multi-process.test.ts',
];

/**
 * `npm run test:scale`: what needs system services, Debian's `pgbouncer` and `redis-server`, in
 * front of a PostgreSQL with trust authentication (DATABASE_URL): PgBouncer in transaction mode
 * and Redis as notifier and rate-limit store, as a scaled-out deployment runs them.
 */
export default defineConfig({
  test: {
    maxWorkers: realServices.maxWorkers,
    projects: [
      { test: { ...realServices, name: 'services', include: ['test/scale/**/*.test.ts'] } },
      { test: { ...realServices, name: 'pgbouncer', include: multiProcess, env: { TEST_PGBOUNCER: '1' } } },
      { test: { ...realServices, name: 'pgbouncer+redis', include: multiProcess, env: { TEST_PGBOUNCER: '1', TEST_NOTIFIER: 'redis' } } },
    ],
  },
});
