import { mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

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
export default mergeConfig(base, {
  test: {
    exclude: ['**/node_modules/**'],
    projects: [
      { extends: true, test: { name: 'services', include: ['test/scale/**/*.test.ts'] } },
      { extends: true, test: { name: 'pgbouncer', include: multiProcess, env: { TEST_PGBOUNCER: '1' } } },
      { extends: true, test: { name: 'pgbouncer+redis', include: multiProcess, env: { TEST_PGBOUNCER: '1', TEST_NOTIFIER: 'redis' } } },
    ],
  },
});
