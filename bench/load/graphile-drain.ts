// The job runner's baseline: a graphile-worker process with a no-op task, on the bench's database.
// Each start is reported to the bench over IPC, for the enqueue-to-start latency.
import { run } from 'graphile-worker';
import { nowMs } from '../lib/stats.ts';

const runner = await run({
  connectionString: process.env['DATABASE_URL']!,
  concurrency: Number(process.env['WORKER_CONCURRENCY'] ?? 2),
  noHandleSignals: true,
  pollInterval: 2000,
  taskList: {
    noop: async (payload) => {
      const seq = (payload as { seq?: number } | null)?.seq;
      if (seq !== undefined) process.send?.({ seq, startedAt: nowMs() });
    },
  },
});
process.stdout.write('graphile-worker started\n');
const stop = () => void runner.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
