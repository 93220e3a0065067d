import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { JobRow } from '../../src/db/schema/jobs.ts';
import { FfmpegError } from '../../src/media/errors.ts';
import { OPERATOR } from '../../src/modules/auth/viewer.ts';
import type { Storage } from '../../src/storage/s3.ts';
import type { FlowRegistry } from '../../src/worker/flows/flow.ts';
import { flows as realFlows } from '../../src/worker/flows/index.ts';
import { overallProgress } from '../../src/worker/progress.ts';
import { claimAndStartRuns, runJob } from '../../src/worker/run-job.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { claimedJob, completionsOf, runJobDeps } from '../helpers/run-job-deps.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';

// What a run costs outside its flows: the queries and bucket reads between them, from its claim on.

let app: TestApp;
let customerId: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ customerId } = await app.createCustomer(100));
});
afterAll(() => app?.stop());

const WORKER = 'run-job-test-worker';

const deps = () => runJobDeps(app, WORKER);
const claimed = (workflowId: string) => claimedJob(app, WORKER, workflowId);

describe('runJob', () => {
  test('reads only the source from the bucket: each flow gets the output of the one before it from memory', async () => {
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    const run = await claimed(workflow.id);
    const get = vi.spyOn(app.storage, 'get');
    try {
      expect(await runJob(run, deps(), new AbortController().signal)).toBe('done');
      expect(get.mock.calls.map(([key]) => key)).toEqual([expect.stringMatching(new RegExp(`^workflows/${workflow.id}/source`))]);
    } finally {
      get.mockRestore();
    }
    const done = await app.services.workflows.get(OPERATOR, workflow.id);
    expect(done.processingStatus).toBe('SUCCESS');
    const completions = await app.db.selectFrom('completions').select('status').where('workflow_id', '=', workflow.id).execute();
    expect(completions.map((c) => c.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
  });

  test("a flow's work does not wait for the record of the flow two before it: UPSCALE runs while CROP_TO_CONTENT's upload is held; the records still commit in order", async () => {
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    let releaseCropUpload!: () => void;
    const cropUploadHeld = new Promise<void>((resolve) => (releaseCropUpload = resolve));
    const storage: Storage = Object.create(app.storage);
    storage.put = async (key, body, contentType) => {
      if (key.startsWith(`workflows/${workflow.id}/crop_to_content/`)) await cropUploadHeld;
      return app.storage.put(key, body, contentType);
    };
    let upscaleBegan!: () => void;
    const upscaleBeganPromise = new Promise<void>((resolve) => (upscaleBegan = resolve));
    const real = realFlows as FlowRegistry;
    const flows: FlowRegistry = {
      ...real,
      UPSCALE: (input) => {
        upscaleBegan();
        return real.UPSCALE(input);
      },
    };
    const finished = runJob(await claimed(workflow.id), runJobDeps(app, WORKER, { storage, flows }), new AbortController().signal);
    const patience = new AbortController();
    try {
      const gaveUp = sleep(20_000, false, { signal: patience.signal }).catch(() => false);
      expect(await Promise.race([upscaleBeganPromise.then(() => true), gaveUp])).toBe(true);
      // Nothing of the run is recorded yet: the first record holds the rest behind it.
      expect((await completionsOf(app, workflow.id)).map((c) => c.status)).toEqual(['RUNNING', 'PENDING', 'PENDING', 'PENDING']);
    } finally {
      patience.abort();
      releaseCropUpload();
    }
    expect(await finished).toBe('done');
    expect((await completionsOf(app, workflow.id)).map((c) => [c.status, c.attempts])).toEqual([
      ['SUCCESS', 1],
      ['SUCCESS', 1],
      ['SUCCESS', 1],
      ['SUCCESS', 1],
    ]);
    const outputs = await app.db.selectFrom('media_files').select('role').where('workflow_id', '=', workflow.id).execute();
    expect(outputs.map((file) => file.role).sort()).toEqual([
      'CREATE_MEDIA',
      'CROP_TO_CONTENT',
      'REPLACE_ALPHA_WITH_GRAY',
      'SOURCE',
      'UPSCALE',
    ]);
  });

  test('ffmpeg killed by SIGINT or SIGTERM from outside the worker gives the attempt back and requeues the job; killed by SIGKILL, it is a failed attempt', async () => {
    const killedBy = (signal: NodeJS.Signals): FlowRegistry => ({
      ...(realFlows as FlowRegistry),
      CROP_TO_CONTENT: async () => {
        throw new FfmpegError(`ffmpeg failed with signal ${signal}`, 'FFMPEG_FAILED', { exitCode: null, signal, stderrTail: [] });
      },
    });
    const outcomes = [];
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
      const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
      const run = await claimed(workflow.id);
      const outcome = await runJob(run, runJobDeps(app, WORKER, { flows: killedBy(signal) }), new AbortController().signal);
      const [first] = await app.db
        .selectFrom('completions')
        .select(['status', 'attempts', 'error'])
        .where('workflow_id', '=', workflow.id)
        .orderBy('position')
        .execute();
      const job = await app.db.selectFrom('jobs').select(['status', 'locked_by']).where('id', '=', run.job.id).executeTakeFirstOrThrow();
      outcomes.push({ signal, outcome, first, job });
      // Requeued: closed, so that no later claim in this file takes it.
      await app.db.updateTable('jobs').set({ status: 'CANCELED' }).where('id', '=', run.job.id).execute();
    }
    expect(outcomes).toEqual([
      {
        signal: 'SIGINT',
        outcome: 'released',
        first: { status: 'PENDING', attempts: 0, error: 'interrupted: ffmpeg received SIGINT from outside the worker' },
        job: { status: 'QUEUED', locked_by: null },
      },
      {
        signal: 'SIGTERM',
        outcome: 'released',
        first: { status: 'PENDING', attempts: 0, error: 'interrupted: ffmpeg received SIGTERM from outside the worker' },
        job: { status: 'QUEUED', locked_by: null },
      },
      {
        signal: 'SIGKILL',
        outcome: 'retrying',
        first: { status: 'PENDING', attempts: 1, error: 'rendering failed; the details are in the service logs' },
        job: { status: 'QUEUED', locked_by: null },
      },
    ]);
  });

  test('a run with nothing left to do is two statements: the claim that starts it, the one that ends it with its job (two function calls)', async () => {
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    await app.db.updateTable('completions').set({ status: 'SUCCESS' }).where('workflow_id', '=', workflow.id).execute();
    let job: JobRow | undefined;
    const statements = await app.queriesDuring(async () => {
      const run = await claimed(workflow.id);
      job = run.job;
      expect(run.start).toMatchObject({ wasQueued: true, started: undefined });
      return runJob(run, deps(), new AbortController().signal);
    });
    expect(statements.map((statement) => statement.trim().split(/\s+/)[0]!.toLowerCase())).toEqual(['select', 'select']);
    const row = await app.db.selectFrom('jobs').select(['status', 'locked_by']).where('id', '=', job!.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'DONE', locked_by: null });
    const done = await app.services.workflows.get(OPERATOR, workflow.id);
    expect(done).toMatchObject({ processingStatus: 'SUCCESS', progressPercentage: 100 });
  });

  test('each step is its locks, its writes and one statement that moves the flows with the workflow', async () => {
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    const statements = await app.queriesDuring(async () => runJob(await claimed(workflow.id), deps(), new AbortController().signal));
    // Leaving out the flows' own progress writes, whose count depends on timing.
    const words = statements
      .filter((statement) => !/^update "workflows" set "progress_percentage"/.test(statement.trim()))
      .map((statement) => statement.trim().split(/\s+/)[0]!.toLowerCase());
    // A hand-over: locks, the output recorded, then this flow SUCCESS, the next one RUNNING and the workflow, in one statement.
    const handOver = ['begin', 'select', 'insert', 'with', 'commit'];
    // The claim (a function call) starts the run: the first flow RUNNING, the workflow
    // PROCESSING. The source's media row is read once, before the first flow; the last flow's
    // outputs commit on their own; then the run's SUCCESS with its job DONE, one function call
    // under the same locks.
    expect(words).toEqual(['select', 'select', ...handOver, ...handOver, ...handOver, ...handOver, 'select']);
  });

  test('a run whose end someone listens for ends in a transaction that records it for them; one nobody listens for does not', async () => {
    const { customerId: listening } = await app.createCustomer(100, 'Listening customer');
    const endpoint = { url: 'https://hooks.example.invalid/framewright', signing_secret: 'enc1:never opened here' };
    await app.db
      .insertInto('webhook_endpoints')
      .values({ ...endpoint, customer_id: listening, events: ['WORKFLOW_FAILED'] })
      .execute();
    const words = async () => {
      const workflow = await createWorkflowFor(app, listening, { options: { pipelineMode: 'IMAGE' } });
      await app.db.updateTable('completions').set({ status: 'SUCCESS' }).where('workflow_id', '=', workflow.id).execute();
      const statements = await app.queriesDuring(async () => runJob(await claimed(workflow.id), deps(), new AbortController().signal));
      const events = await app.db.selectFrom('webhook_events').select('type').where('workflow_id', '=', workflow.id).execute();
      const done = await app.services.workflows.get(OPERATOR, workflow.id);
      expect(done.processingStatus).toBe('SUCCESS');
      return { words: statements.map((statement) => statement.trim().split(/\s+/)[0]!.toLowerCase()), events: events.map((e) => e.type) };
    };
    // An endpoint for another end: the end is one statement, and nothing is recorded.
    expect(await words()).toEqual({ words: ['select', 'select'], events: [] });
    await app.db
      .insertInto('webhook_endpoints')
      .values({ ...endpoint, customer_id: listening, events: ['WORKFLOW_SUCCEEDED'] })
      .execute();
    const heard = await words();
    // The one statement finds a listener and changes nothing; the transaction ends the run and records its event.
    expect(heard.words.slice(0, 4)).toEqual(['select', 'select', 'begin', 'select']);
    expect(heard.words.at(-1)).toBe('commit');
    expect(heard.events).toEqual(['WORKFLOW_SUCCEEDED']);
  });

  test('a job no longer ours after its claim is left alone: nothing more is written', async () => {
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    const run = await claimed(workflow.id);
    await app.db.updateTable('jobs').set({ locked_by: 'another-worker' }).where('id', '=', run.job.id).execute();
    expect(await runJob(run, deps(), new AbortController().signal)).toBe('lost');
    const row = await app.db.selectFrom('workflows').select('processing_status').where('id', '=', workflow.id).executeTakeFirstOrThrow();
    // As the claim left it (but for the flow's own progress writes, as from any flow that runs on
    // until its heartbeat finds the job gone): PROCESSING, its first flow RUNNING, none of its outputs recorded.
    expect(row.processing_status).toBe('PROCESSING');
    expect((await completionsOf(app, workflow.id)).map((c) => [c.status, c.attempts])).toEqual([
      ['RUNNING', 1],
      ['PENDING', 0],
      ['PENDING', 0],
      ['PENDING', 0],
    ]);
    const outputs = await app.db.selectFrom('media_files').select('role').where('workflow_id', '=', workflow.id).execute();
    expect(outputs.map((file) => file.role)).toEqual(['SOURCE']);
  });
});

describe('claimAndStartRuns', () => {
  const claim = (worker: string) => claimAndStartRuns(app.db, worker, 30, 2);

  test('claims up to the limit in one statement, oldest first, never the same job twice, and starts each run', async () => {
    const ids = [];
    for (let i = 0; i < 3; i += 1) ids.push((await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } })).id);
    const first = await claim('claimer');
    const second = await claim('claimer');
    const third = await claim('claimer');
    expect(first.map((run) => run.job.workflow_id).sort()).toEqual(ids.slice(0, 2).sort());
    expect(second.map((run) => run.job.workflow_id)).toEqual([ids[2]]);
    expect(third).toEqual([]);
    for (const { job, start } of [...first, ...second]) {
      expect(job).toMatchObject({ status: 'RUNNING', locked_by: 'claimer', attempts: 1 });
      expect(start).toMatchObject({ wasQueued: true, started: { flow: 'CROP_TO_CONTENT', attempt: 1 } });
      expect(start!.completions.map((c) => c.status)).toEqual(['PENDING', 'PENDING', 'PENDING', 'PENDING']);
      const workflow = await app.db
        .selectFrom('workflows')
        .select(['processing_status', 'version'])
        .where('id', '=', job.workflow_id!)
        .executeTakeFirstOrThrow();
      expect(workflow).toEqual({ processing_status: 'PROCESSING', version: 2 });
      expect((await completionsOf(app, job.workflow_id!))[0]).toEqual({ flow: 'CROP_TO_CONTENT', status: 'RUNNING', attempts: 1 });
    }
  });

  test('skips a job whose workflow is locked, without waiting, and takes it once the lock is gone', async () => {
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    // Were the claim to wait for the workflow's lock, this transaction, which awaits the claim, would never end.
    await app.db.transaction().execute(async (trx) => {
      await trx.selectFrom('workflows').select('id').where('id', '=', workflow.id).forUpdate().execute();
      expect(await claim('skipper')).toEqual([]);
    });
    const job = await app.db
      .selectFrom('jobs')
      .select(['status', 'attempts'])
      .where('workflow_id', '=', workflow.id)
      .executeTakeFirstOrThrow();
    expect(job).toEqual({ status: 'QUEUED', attempts: 0 });
    expect((await claim('skipper')).map((run) => run.job.workflow_id)).toEqual([workflow.id]);
  });

  test('closes the job of a workflow that has already ended, and starts nothing', async () => {
    const succeeded = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    const canceled = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    // Hand-edited rows: the workflow's status wins over its job's.
    await app.db.updateTable('workflows').set({ processing_status: 'SUCCESS' }).where('id', '=', succeeded.id).execute();
    await app.db.updateTable('workflows').set({ processing_status: 'CANCELED' }).where('id', '=', canceled.id).execute();
    const runs = await claim('closer');
    expect(runs.map((run) => [run.job.workflow_id, run.job.status, run.job.locked_by, run.start])).toEqual([
      [succeeded.id, 'DONE', null, undefined],
      [canceled.id, 'CANCELED', null, undefined],
    ]);
    expect((await completionsOf(app, succeeded.id)).map((c) => c.status)).toEqual(['PENDING', 'PENDING', 'PENDING', 'PENDING']);
  });

  test("a run taken over after a lost lease resumes at its first unfinished flow, with that flow's attempts counted", async () => {
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    const [lost] = await claim('dead-worker');
    expect(lost!.start!.started).toEqual({ flow: 'CROP_TO_CONTENT', attempt: 1 });
    // The first flow ended before the worker died in the second one; then its lease ran out.
    await app.db
      .updateTable('completions')
      .set({ status: 'SUCCESS' })
      .where('workflow_id', '=', workflow.id)
      .where('flow', '=', 'CROP_TO_CONTENT')
      .execute();
    await app.db
      .updateTable('completions')
      .set({ status: 'RUNNING', attempts: 1 })
      .where('workflow_id', '=', workflow.id)
      .where('flow', '=', 'REPLACE_ALPHA_WITH_GRAY')
      .execute();
    await app.db
      .updateTable('jobs')
      .set({ locked_until: new Date(Date.now() - 1000) })
      .where('id', '=', lost!.job.id)
      .execute();
    const [taken] = await claim('new-worker');
    expect(taken!.job).toMatchObject({ id: lost!.job.id, locked_by: 'new-worker', attempts: 2 });
    expect(taken!.start).toMatchObject({ wasQueued: false, started: { flow: 'REPLACE_ALPHA_WITH_GRAY', attempt: 2 } });
    const row = await app.db
      .selectFrom('workflows')
      .select(['processing_status', 'progress_percentage'])
      .where('id', '=', workflow.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ processing_status: 'PROCESSING', progress_percentage: overallProgress('IMAGE', 'REPLACE_ALPHA_WITH_GRAY', 0) });
  });
});
