import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { OPERATOR } from '../../src/modules/auth/viewer.ts';
import { claimJobs } from '../../src/queue/jobs.ts';
import { runJob } from '../../src/worker/run-job.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { claimedJob, runJobDeps } from '../helpers/run-job-deps.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';

// What a run costs outside its flows: the queries and bucket reads between them.

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
    const job = await claimed(workflow.id);
    const get = vi.spyOn(app.storage, 'get');
    try {
      expect(await runJob(job, deps(), new AbortController().signal)).toBe('done');
      expect(get.mock.calls.map(([key]) => key)).toEqual([expect.stringMatching(new RegExp(`^workflows/${workflow.id}/source`))]);
    } finally {
      get.mockRestore();
    }
    const done = await app.services.workflows.get(OPERATOR, workflow.id);
    expect(done.processingStatus).toBe('SUCCESS');
    const completions = await app.db.selectFrom('completions').select('status').where('workflow_id', '=', workflow.id).execute();
    expect(completions.map((c) => c.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
  });

  test('a run with nothing left to do ends in one transaction: its locks, then one statement for the workflow and its job', async () => {
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    await app.db.updateTable('completions').set({ status: 'SUCCESS' }).where('workflow_id', '=', workflow.id).execute();
    const job = await claimed(workflow.id);
    const statements = await app.queriesDuring(() => runJob(job, deps(), new AbortController().signal));
    expect(statements.map((statement) => statement.trim().split(/\s+/)[0]!.toLowerCase())).toEqual(['begin', 'select', 'with', 'commit']);
    const row = await app.db.selectFrom('jobs').select(['status', 'locked_by']).where('id', '=', job.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'DONE', locked_by: null });
    const done = await app.services.workflows.get(OPERATOR, workflow.id);
    expect(done).toMatchObject({ processingStatus: 'SUCCESS', progressPercentage: 100 });
  });

  test('each step is its locks, its writes and one statement that moves the flows with the workflow', async () => {
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    const job = await claimed(workflow.id);
    const statements = await app.queriesDuring(() => runJob(job, deps(), new AbortController().signal));
    // Leaving out the flows' own progress writes, whose count depends on timing.
    const words = statements
      .filter((statement) => !/^update "workflows" set "progress_percentage"/.test(statement.trim()))
      .map((statement) => statement.trim().split(/\s+/)[0]!.toLowerCase());
    // The start: locks, then the first flow RUNNING with the workflow PROCESSING in one statement.
    const start = ['begin', 'select', 'with', 'commit'];
    // A hand-over: locks, the output recorded, then this flow SUCCESS, the next one RUNNING and the workflow, in one statement.
    const handOver = ['begin', 'select', 'insert', 'with', 'commit'];
    // The source's media row is read once, between the start and the first hand-over.
    expect(words).toEqual([...start, 'select', ...handOver, ...handOver, ...handOver, ...handOver, ...start]);
  });

  test('a job no longer ours is left alone: nothing is written', async () => {
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    const job = await claimed(workflow.id);
    await app.db.updateTable('jobs').set({ locked_by: 'another-worker' }).where('id', '=', job.id).execute();
    expect(await runJob(job, deps(), new AbortController().signal)).toBe('lost');
    const row = await app.db
      .selectFrom('workflows')
      .select(['processing_status', 'version'])
      .where('id', '=', workflow.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ processing_status: 'QUEUED', version: 1 });
  });
});

describe('claimJobs', () => {
  test('claims up to the limit in one statement, oldest first, and never the same job twice', async () => {
    const ids = [];
    for (let i = 0; i < 3; i += 1) ids.push((await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } })).id);
    const first = await claimJobs(app.db, 'WORKFLOW_RUN', 'claimer', 30, 2);
    const second = await claimJobs(app.db, 'WORKFLOW_RUN', 'claimer', 30, 2);
    const third = await claimJobs(app.db, 'WORKFLOW_RUN', 'claimer', 30, 2);
    expect(first.map((job) => job.workflow_id).sort()).toEqual(ids.slice(0, 2).sort());
    expect(second.map((job) => job.workflow_id)).toEqual([ids[2]]);
    expect(third).toEqual([]);
    expect([...first, ...second].every((job) => job.status === 'RUNNING' && job.locked_by === 'claimer' && job.attempts === 1)).toBe(true);
  });
});
