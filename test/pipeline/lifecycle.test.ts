import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FlowName } from '../../src/modules/workflows/workflow.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { ffmpegChildren } from '../helpers/media.ts';
import { type RoleProcess, spawnRole } from '../helpers/processes.ts';
import { customerLedger } from '../helpers/workflow-fixtures.ts';
import { CreateWorkflow } from '../operations.ts';
import { CancelWorkflow, RetryWorkflow } from './operations.ts';
import { waitForWorkflow } from './wait.ts';

const FINAL = ['SUCCESS', 'FAILED', 'CANCELED'];
let source: Buffer;
beforeAll(async () => {
  source = await pngWithTransparentBorder(240, 160);
});

async function createRun(app: TestApp, key: string, pipelineMode: 'IMAGE' | 'VIDEO', title = 'Run') {
  const response = await app.gql(
    CreateWorkflow,
    {
      input: {
        title,
        // The shortest video template (5 s at 25 fps), on a frame of 1080x1920.
        model: 'aurora_portrait_2026',
        primaryUserId: 'u1',
        options: { aspectRatio: '9:16', pipelineMode },
        source: null,
      },
    },
    { key, files: [{ path: 'input.source', bytes: source, filename: 'subject.png', contentType: 'image/png' }] },
  );
  const workflow = response.data?.createWorkflow;
  if (workflow?.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(response)}`);
  return workflow;
}

/** Waits until the flow's completion is RUNNING (read straight from the database). */
async function waitForRunningFlow(app: TestApp, workflowId: string, flow: FlowName, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await app.db
      .selectFrom('completions')
      .select('status')
      .where('workflow_id', '=', workflowId)
      .where('flow', '=', flow)
      .executeTakeFirst();
    if (row?.status === 'RUNNING') return;
    if (Date.now() > deadline) throw new Error(`${flow} of ${workflowId} never ran (last status ${row?.status})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function workerEnv(app: TestApp, extra: Record<string, string> = {}): Record<string, string> {
  return { ...app.serviceEnv, WORKER_LEASE_SECONDS: '5', WORKER_CONCURRENCY: '2', SHUTDOWN_GRACE_SECONDS: '5', ...extra };
}

const workerReady = (line: Record<string, unknown> | string) => typeof line === 'object' && line['msg'] === 'worker started';

describe('a worker killed with SIGKILL mid-flow', () => {
  let app: TestApp;
  let worker: RoleProcess | undefined;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await worker?.stop(1000);
    await app?.stop();
  });

  test('another worker resumes the job after the lease ends; the run ends SUCCESS with one reservation', async () => {
    const { apiKey, customerId } = await app.createCustomer(8);
    worker = await spawnRole('worker', { env: workerEnv(app), ready: workerReady });
    const created = await createRun(app, apiKey, 'VIDEO');
    await waitForRunningFlow(app, created.id, 'CREATE_MEDIA');
    worker.child.kill('SIGKILL');
    await worker.stop();
    const held = await app.db.selectFrom('jobs').selectAll().where('workflow_id', '=', created.id).executeTakeFirstOrThrow();
    expect(held.status).toBe('RUNNING');

    app.startWorker({ leaseSeconds: 5 });
    const done = await waitForWorkflow(app, created.id, apiKey, (w) => FINAL.includes(w.processingStatus), 180_000);
    expect(done.processingStatus).toBe('SUCCESS');
    expect(done.progressPercentage).toBe(100);
    // The flows finished before the kill were not run again; the interrupted one was.
    expect(done.completions.map((c) => [c.flow, c.status, c.attempts])).toEqual([
      ['CROP_TO_CONTENT', 'SUCCESS', 1],
      ['REPLACE_ALPHA_WITH_GRAY', 'SUCCESS', 1],
      ['UPSCALE', 'SUCCESS', 1],
      ['CREATE_MEDIA', 'SUCCESS', 2],
      ['VIDEO_OVERLAY', 'SUCCESS', 1],
    ]);
    expect(await customerLedger(app, customerId)).toEqual([
      { amount: 8, reason: 'GRANT' },
      { amount: -8, reason: 'RESERVATION' },
    ]);
    // Fixed keys: the repeated flow overwrote its output instead of adding one.
    const keys = await app.listObjects(`workflows/${created.id}/`);
    expect(keys.sort()).toEqual(
      [
        `workflows/${created.id}/create_media/clip.webm`,
        `workflows/${created.id}/crop_to_content/cropped.png`,
        `workflows/${created.id}/media/final.mp4`,
        `workflows/${created.id}/replace_alpha_with_gray/gray.png`,
        `workflows/${created.id}/source/subject.png`,
        `workflows/${created.id}/upscale/upscaled.png`,
      ].sort(),
    );
  });
});

describe('a worker stopped with SIGTERM', () => {
  let app: TestApp;
  let worker: RoleProcess | undefined;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await worker?.stop(1000);
    await app?.stop();
  });

  test('interrupts its flow once the grace period is over, releases the job at once, and another worker finishes it', async () => {
    const { apiKey } = await app.createCustomer(8);
    worker = await spawnRole('worker', {
      // No grace: CREATE_MEDIA is interrupted the moment the signal lands. With any grace, a fast
      // machine can finish the flow inside it, and then nothing is interrupted.
      env: workerEnv(app, { SHUTDOWN_GRACE_SECONDS: '0', WORKER_LEASE_SECONDS: '60' }),
      ready: workerReady,
    });
    const created = await createRun(app, apiKey, 'VIDEO');
    await waitForRunningFlow(app, created.id, 'CREATE_MEDIA');
    const exit = await worker.stop(30_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(worker.output().some((line) => line.includes('released jobs for other workers') || line.includes('job released'))).toBe(true);
    // Released, not left to a 60 s lease: another worker could take it right away.
    const job = await app.db.selectFrom('jobs').selectAll().where('workflow_id', '=', created.id).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'QUEUED', locked_by: null });
    const interrupted = await app.db
      .selectFrom('completions')
      .select(['status', 'attempts'])
      .where('workflow_id', '=', created.id)
      .where('flow', '=', 'CREATE_MEDIA')
      .executeTakeFirstOrThrow();
    // A shutdown is not the flow's fault: the attempt is given back.
    expect(interrupted).toEqual({ status: 'PENDING', attempts: 0 });

    app.startWorker();
    const done = await waitForWorkflow(app, created.id, apiKey, (w) => FINAL.includes(w.processingStatus), 180_000);
    expect(done.processingStatus).toBe('SUCCESS');
    expect(done.completions.find((c) => c.flow === 'CREATE_MEDIA')?.attempts).toBe(1);
  });
});

describe('two worker processes and 20 queued workflows', () => {
  let app: TestApp;
  const workers: RoleProcess[] = [];
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(5000)));
    await app?.stop();
  });

  test('each workflow runs exactly once', async () => {
    const { apiKey } = await app.createCustomer(40);
    const created = [];
    for (let i = 0; i < 20; i++) created.push(await createRun(app, apiKey, 'IMAGE', `run ${i}`));
    workers.push(...(await Promise.all([0, 1].map(() => spawnRole('worker', { env: workerEnv(app), ready: workerReady })))));

    for (const workflow of created) {
      const done = await waitForWorkflow(app, workflow.id, apiKey, (w) => FINAL.includes(w.processingStatus), 120_000);
      expect(done.processingStatus).toBe('SUCCESS');
      expect(done.completions.every((c) => c.status === 'SUCCESS' && c.attempts === 1)).toBe(true);
    }
    const jobs = await app.db.selectFrom('jobs').select(['status', 'attempts']).execute();
    expect(jobs).toHaveLength(20);
    expect(jobs.every((job) => job.status === 'DONE' && job.attempts === 1)).toBe(true);

    // Every run was ended by exactly one of the two processes (its one line at info; its start is at
    // debug). Stopped first: a process writes its lines in batches, and its last ones at exit.
    for (const worker of workers) expect(await worker.stop(30_000)).toEqual({ code: 0, signal: null });
    const starts = workers.flatMap((w) =>
      w
        .output()
        .filter((line) => line.includes('"msg":"run finished: SUCCESS"'))
        .map((line) => (JSON.parse(line) as { workflowId: string }).workflowId),
    );
    expect(starts.sort()).toEqual(created.map((w) => w.id).sort());
  });
});

describe('cancel, retry and delete of a running workflow', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: { concurrency: 2 } });
  });
  afterAll(() => app?.stop());

  test('cancel mid-run ends CANCELED with a refund and kills ffmpeg; retry then ends SUCCESS', async () => {
    const { apiKey, customerId } = await app.createCustomer(8);
    const created = await createRun(app, apiKey, 'VIDEO');
    await waitForRunningFlow(app, created.id, 'CREATE_MEDIA');
    await expect.poll(async () => (await ffmpegChildren()).length, { timeout: 30_000 }).toBeGreaterThan(0);

    const canceled = await app.gql(CancelWorkflow, { id: created.id }, { key: apiKey });
    expect(canceled.data?.cancelWorkflow).toMatchObject({ __typename: 'Workflow', processingStatus: 'CANCELED' });
    await expect.poll(async () => (await ffmpegChildren()).length, { timeout: 10_000 }).toBe(0);
    const afterCancel = await waitForWorkflow(app, created.id, apiKey, () => true);
    expect(afterCancel.processingStatus).toBe('CANCELED');
    expect(afterCancel.completions.find((c) => c.flow === 'CREATE_MEDIA')).toMatchObject({ status: 'PENDING' });
    expect(await customerLedger(app, customerId)).toEqual([
      { amount: 8, reason: 'GRANT' },
      { amount: -8, reason: 'RESERVATION' },
      { amount: 8, reason: 'REFUND' },
    ]);

    // Canceling twice, or retrying a run that is not over, is a BadRequestError.
    const again = await app.gql(CancelWorkflow, { id: created.id }, { key: apiKey });
    expect(again.data?.cancelWorkflow).toMatchObject({ __typename: 'BadRequestError' });

    const retried = await app.gql(RetryWorkflow, { id: created.id }, { key: apiKey });
    expect(retried.data?.retryWorkflow).toMatchObject({ __typename: 'Workflow', processingStatus: 'QUEUED' });
    const notOver = await app.gql(RetryWorkflow, { id: created.id }, { key: apiKey });
    expect(notOver.data?.retryWorkflow).toMatchObject({ __typename: 'BadRequestError' });

    const done = await waitForWorkflow(app, created.id, apiKey, (w) => FINAL.includes(w.processingStatus), 180_000);
    expect(done.processingStatus).toBe('SUCCESS');
    expect(done.progressPercentage).toBe(100);
    expect(done.completions.slice(0, 3).every((c) => c.attempts === 1)).toBe(true);
    expect(await customerLedger(app, customerId)).toEqual([
      { amount: 8, reason: 'GRANT' },
      { amount: -8, reason: 'RESERVATION' },
      { amount: 8, reason: 'REFUND' },
      { amount: -8, reason: 'RESERVATION' },
    ]);
  });

  test('retry without the credits is InsufficientCreditError and leaves the run CANCELED', async () => {
    const { apiKey, customerId } = await app.createCustomer(8);
    const created = await createRun(app, apiKey, 'VIDEO');
    await app.gql(CancelWorkflow, { id: created.id }, { key: apiKey });
    await app.services.credits.grant(customerId, -8);
    const retried = await app.gql(RetryWorkflow, { id: created.id }, { key: apiKey });
    expect(retried.data?.retryWorkflow).toMatchObject({ __typename: 'InsufficientCreditError', required: 8, available: 0 });
    const state = await waitForWorkflow(app, created.id, apiKey, () => true);
    expect(state.processingStatus).toBe('CANCELED');
  });

  test('delete mid-run leaves zero objects under the prefix, also 5 seconds later', async () => {
    const { apiKey } = await app.createCustomer(8);
    const created = await createRun(app, apiKey, 'VIDEO');
    await waitForRunningFlow(app, created.id, 'CREATE_MEDIA');
    const { DeleteWorkflow } = await import('../operations.ts');
    const deleted = await app.gql(DeleteWorkflow, { id: created.id }, { key: apiKey });
    expect(deleted.data?.deleteWorkflow.__typename).toBe('DeleteWorkflowPayload');
    expect(await app.listObjects(`workflows/${created.id}/`)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(await app.listObjects(`workflows/${created.id}/`)).toEqual([]);
    expect(await ffmpegChildren()).toEqual([]);
  });
});
