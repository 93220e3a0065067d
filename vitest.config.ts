import { defineConfig } from 'vitest/config';

/** The whole suite on what `npm ci` brings: no PgBouncer, Redis or browser installed by hand (those tests: vitest.scale.config.ts). */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/scale/**', '**/node_modules/**'],
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/setup/no-leaks.ts'],
    pool: 'forks',
    // Real Postgres, S3, sharp and ffmpeg: generous limits on a shared 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
