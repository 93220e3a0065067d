import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { childProcessesOf, eventually, type RoleProcess, spawnRole } from '../helpers/processes.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';

// A worker started like a command in a terminal (leading its own process group), interrupted like
// Ctrl+C does it: SIGINT to the whole group, while ffmpeg renders a flow.
let app: TestApp;
let worker: RoleProcess | undefined;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await worker?.stop(1000);
  await app?.stop();
});

test.each(['SIGINT', 'SIGTERM'] as const)(
  '%s to the process group mid-ffmpeg: exit 0, the job handed back at once, no failed attempt',
  async (signal) => {
    const { customerId } = await app.createCustomer(10);
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO', aspectRatio: '16:9' } });
    worker = await spawnRole('worker', {
      // A short grace: long enough for a signal that reached ffmpeg itself to kill the flow (it
      // dies within milliseconds), shorter than what is left of the render once ffmpeg is seen
      // (the rest of CREATE_MEDIA, which encodes both videos), so the job is really handed back.
      env: { ...app.serviceEnv, SHUTDOWN_GRACE_SECONDS: '1', WORKER_LEASE_SECONDS: '300' },
      ready: (line) => typeof line === 'object' && line['msg'] === 'worker started',
      detached: true,
    });
    const pid = worker.child.pid!;
    // ffmpeg runs from CREATE_MEDIA on; wait until it is really there to receive the terminal's signal.
    await eventually(
      'ffmpeg running under the worker',
      async () => ((await childProcessesOf(pid, 'ffmpeg')).length > 0 ? true : undefined),
      120_000,
    );

    process.kill(-pid, signal);
    const { code } = await worker.exited;
    worker = undefined;

    expect(code).toBe(0);
    const job = await app.db.selectFrom('jobs').selectAll().where('workflow_id', '=', workflow.id).executeTakeFirstOrThrow();
    // Handed back: queued again, due now, not waiting for a lease of 300 s to run out.
    expect([job.status, job.locked_by]).toEqual(['QUEUED', null]);
    const completions = await app.db.selectFrom('completions').selectAll().where('workflow_id', '=', workflow.id).execute();
    expect(completions.filter((completion) => completion.status === 'FAILED' || completion.status === 'RUNNING')).toEqual([]);
    // Each flow either finished within the grace or is back to PENDING without a spent attempt:
    // ffmpeg was stopped by the worker, never killed by the terminal's signal.
    expect(completions.filter((completion) => completion.status === 'PENDING' && completion.attempts > 0)).toEqual([]);
    // The terminal's signal can still reach an ffmpeg in the instant between its fork and its own
    // process group: that is an interruption too, never a failure.
    const interrupted = /^interrupted (by a worker shutdown|: ffmpeg received SIG(INT|TERM) from outside the worker)$/;
    expect(completions.filter((completion) => completion.error !== null && !interrupted.test(completion.error))).toEqual([]);
    const row = await app.db.selectFrom('workflows').select('processing_status').where('id', '=', workflow.id).executeTakeFirstOrThrow();
    expect(row.processing_status).not.toBe('FAILED');
  },
);
