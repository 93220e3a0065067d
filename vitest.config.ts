import os from 'node:os';
import { defineConfig } from 'vitest/config';

/** How every test file runs, in npm test and in the scale suite (vitest.scale.config.ts). */
export const realServices = {
  globalSetup: ['./test/global-setup.ts'],
  setupFiles: ['./test/setup/no-leaks.ts'],
  pool: 'forks' as const,
  // One file more than there are cores (vitest's default is one less): most files spend their
  // time waiting on child processes, leases and timers, not on the CPU.
  maxWorkers: os.availableParallelism() + 1,
  // Real Postgres, S3, sharp and ffmpeg: generous limits on a shared 2-core machine.
  testTimeout: 60_000,
  hookTimeout: 120_000,
  teardownTimeout: 30_000,
};

/** The whole suite on what `npm ci` brings: no PgBouncer, Redis or browser installed by hand (those tests: vitest.scale.config.ts). */
export default defineConfig({
  test: {
    ...realServices,
    include: ['test/**/*.test.ts'],
    exclude: ['test/scale/**', '**/node_modules/**'],
  },
});
