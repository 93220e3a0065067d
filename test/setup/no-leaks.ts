import { afterAll, expect } from 'vitest';
import { stopLeftovers } from '../helpers/leaks.ts';

// Registered before the file's own hooks, so it runs after all of them: by then every app, worker
// and child process the file started must have been stopped.
afterAll(async () => {
  const leftovers = await stopLeftovers();
  expect(leftovers, 'this test file left these running (stop them in its afterAll or finally)').toEqual([]);
});
