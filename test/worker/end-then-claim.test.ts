import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClaimedRun } from '../../src/queue/run-claim.ts';
import { claimAndStartRuns, runJob } from '../../src/worker/run-job.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { runJobDeps } from '../helpers/run-job-deps.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';

// A run's SUCCESS claims the next run for the slot it frees in the same statement: a worker
// draining a queue sends one statement a run, not an end and then a claim.

let app: TestApp;
let customerId: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ customerId } = await app.createCustomer(100));
});
afterAll(() => app?.stop());

/** An IMAGE workflow queued with every flow already done: its run has only its end left. */
async function runWithNothingLeft(): Promise<string> {
  const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
  await app.db.updateTable('completions').set({ status: 'SUCCESS' }).where('workflow_id', '=', workflow.id).execute();
  return workflow.id;
}

const WORKER = 'end-then-claim-worker';

/** Claims the oldest queued run alone (as a slot's claim does), which must be `workflowId`'s. */
async function claimOne(workflowId: string): Promise<ClaimedRun> {
  const [run, ...more] = await claimAndStartRuns(app.db, WORKER, 30, 1);
  expect(more).toEqual([]);
  expect(run?.job.workflow_id).toBe(workflowId);
  return run!;
}

const firstWord = (statement: string) => statement.trim().split(/\s+/)[0]!.toLowerCase();

describe('the end of a run claims the next one', () => {
  test('the end hands the run it claimed, already started, to the successor; nothing else is claimed', async () => {
    const first = await runWithNothingLeft();
    const second = await runWithNothingLeft();

    const run = await claimOne(first);
    const handed: ClaimedRun[] = [];
    const statements = await app.queriesDuring(() =>
      runJob(run, runJobDeps(app, WORKER), new AbortController().signal, {
        wanted: () => 1,
        launch: (next) => handed.push(...next),
      }),
    );
    expect(statements.map(firstWord)).toEqual(['select']);
    expect(handed).toHaveLength(1);
    expect(handed[0]!.job).toMatchObject({ workflow_id: second, status: 'RUNNING', locked_by: WORKER });
    expect(handed[0]!.job.locked_until).toBeInstanceOf(Date);
    expect(handed[0]!.start).toMatchObject({ wasQueued: true, started: undefined, workflow: { id: second, customer_id: customerId } });
    const rows = await app.db.selectFrom('workflows').select(['id', 'processing_status']).where('id', 'in', [first, second]).execute();
    expect(Object.fromEntries(rows.map((row) => [row.id, row.processing_status]))).toEqual({ [first]: 'SUCCESS', [second]: 'PROCESSING' });
    expect(await runJob(handed[0]!, runJobDeps(app, WORKER), new AbortController().signal)).toBe('done');
  });

  test('with none wanted (the worker stopping), the end claims nothing', async () => {
    const first = await runWithNothingLeft();
    const other = await runWithNothingLeft();
    const run = await claimOne(first);
    const handed: ClaimedRun[] = [];
    await runJob(run, runJobDeps(app, WORKER), new AbortController().signal, {
      wanted: () => 0,
      launch: (next) => handed.push(...next),
    });
    expect(handed).toEqual([]);
    const job = await app.db.selectFrom('jobs').select('status').where('workflow_id', '=', other).executeTakeFirstOrThrow();
    expect(job.status).toBe('QUEUED');
    await app.db.updateTable('jobs').set({ status: 'CANCELED' }).where('workflow_id', '=', other).execute();
  });

  test('the end still waits for its WAL flush when it claimed (the claim alone does not)', async () => {
    const ending = await runWithNothingLeft();
    const next = await runWithNothingLeft();
    const run = await claimOne(ending);
    const setting = await app.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ next: unknown[] | null }>`
        SELECT next FROM framewright_end_run_then_claim(${ending}::uuid, ${run.job.id}::bigint, ${WORKER}, false, true, 30, 1, '{}'::jsonb)`.execute(
        trx,
      );
      expect(rows[0]!.next).toHaveLength(1);
      return (await sql<{ mode: string }>`SELECT current_setting('synchronous_commit') AS mode`.execute(trx)).rows[0]!.mode;
    });
    expect(setting).toBe('on');
    await app.db.updateTable('jobs').set({ status: 'CANCELED' }).where('workflow_id', '=', next).execute();
  });

  test('a worker drains a queue with one statement a run, and leaves no job running', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await runWithNothingLeft());
    const statements = await app.queriesDuring(async () => {
      const worker = app.startWorker({ concurrency: 2 });
      try {
        await expect
          .poll(
            async () => (await app.db.selectFrom('jobs').select('status').where('workflow_id', 'in', ids).execute()).map((j) => j.status),
            {
              timeout: 20_000,
            },
          )
          .toEqual(ids.map(() => 'DONE'));
      } finally {
        await worker.stop(1000);
      }
    });
    const ends = statements.filter((statement) => statement.includes('framewright_end_run_then_claim'));
    const claims = statements.filter((statement) => statement.includes('framewright_claim_runs'));
    expect(ends).toHaveLength(12);
    // The loop claims for both slots at first, then once for each slot that an end found the queue
    // empty for, and at a poll (500 ms) while a slot is free: 3-4. Without the hand-over, one a run (13).
    expect(claims.length).toBeLessThan(ends.length / 2);
    const running = await app.db.selectFrom('jobs').select('id').where('status', '=', 'RUNNING').where('workflow_id', 'in', ids).execute();
    expect(running).toEqual([]);
  });
});
