import { describe, expect, test } from 'vitest';
import { startTestApp } from '../helpers/harness.ts';
import { leftRunning } from '../helpers/leaks.ts';
import { spawnRole } from '../helpers/processes.ts';

// The guard in test/setup/no-leaks.ts fails a file that leaves these running; here, that it sees them.
describe('the leak guard', () => {
  test('sees an app and its worker until they are stopped', async () => {
    const app = await startTestApp();
    const worker = app.startWorker();
    expect(leftRunning()).toEqual([`the test app on port ${new URL(app.url).port}`, expect.stringContaining(worker.workerId)]);
    await worker.stop(0);
    expect(leftRunning()).toEqual([`the test app on port ${new URL(app.url).port}`]);
    await app.stop();
    expect(leftRunning()).toEqual([]);
  });

  test('sees a child process until it exits', async () => {
    const app = await startTestApp();
    try {
      const child = await spawnRole('worker', {
        env: app.serviceEnv,
        ready: (line) => typeof line === 'object' && line['msg'] === 'worker started',
      });
      expect(leftRunning()).toContainEqual(expect.stringContaining(`framewright worker (pid ${child.child.pid})`));
      await child.stop();
      expect(leftRunning()).not.toContainEqual(expect.stringContaining('framewright worker'));
    } finally {
      await app.stop();
    }
  });
});
