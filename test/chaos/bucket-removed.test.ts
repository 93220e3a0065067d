import { DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually, type RoleProcess } from '../helpers/processes.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { allEnded, ledgerOf, spawnWorker } from './chaos-helpers.ts';

// Someone empties and deletes the bucket while a run writes to it: every later read and write of
// the run fails. The contract: the flow is retried (3 attempts), then the run is FAILED and
// refunded; it never hangs, and the worker goes on with other runs once the bucket is back.
let app: TestApp;
let worker: RoleProcess | undefined;
let s3: S3Client;

beforeAll(async () => {
  app = await startTestApp();
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: inject('s3Endpoint'),
    forcePathStyle: true,
    credentials: { accessKeyId: inject('s3AccessKeyId'), secretAccessKey: inject('s3SecretAccessKey') },
  });
});

afterAll(async () => {
  await worker?.stop(2000);
  s3?.destroy();
  await app?.stop();
});

/** Every object, then the bucket, through the S3 API; again when a write slipped in between (bounded). */
async function removeBucket(): Promise<void> {
  await eventually('the bucket removed', async () => {
    await app.storage.deletePrefix('');
    return s3.send(new DeleteBucketCommand({ Bucket: app.storage.bucket })).then(
      () => true,
      () => undefined,
    );
  });
}

test('the bucket deleted mid-run: the run ends FAILED and refunded, and the worker goes on once the bucket is back', async () => {
  const { customerId } = await app.createCustomer(100);
  // VIDEO: CREATE_MEDIA renders for seconds, so the bucket is surely gone before its output is written.
  const run = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO', aspectRatio: '16:9' } });
  worker = await spawnWorker({ ...app.serviceEnv, WORKER_LEASE_SECONDS: '5', SHUTDOWN_GRACE_SECONDS: '1' });
  await eventually(
    'CREATE_MEDIA running',
    async () => {
      const row = await app.db
        .selectFrom('completions')
        .select('status')
        .where('workflow_id', '=', run.id)
        .where('flow', '=', 'CREATE_MEDIA')
        .executeTakeFirstOrThrow();
      return row.status === 'RUNNING' ? true : undefined;
    },
    120_000,
  );
  await removeBucket();

  const statuses = await allEnded(app, [run.id], 180_000);
  expect(statuses.get(run.id)).toBe('FAILED');
  expect(await ledgerOf(app, [run.id])).toEqual({ [run.id]: ['RESERVATION', 'REFUND'] });
  const failed = await app.db
    .selectFrom('completions')
    .select(['flow', 'attempts', 'error'])
    .where('workflow_id', '=', run.id)
    .where('status', '=', 'FAILED')
    .execute();
  // CREATE_MEDIA cannot store its clip; should its write have slipped in before the delete, VIDEO_OVERLAY cannot read it.
  expect(failed).toHaveLength(1);
  expect(['CREATE_MEDIA', 'VIDEO_OVERLAY']).toContain(failed[0]!.flow);
  expect(failed[0]!.attempts).toBe(3);
  const workflow = await app.db.selectFrom('workflows').select('error').where('id', '=', run.id).executeTakeFirstOrThrow();
  expect(workflow.error).toMatch(/failed after 3 attempts/);

  // The same worker process runs the next workflow once the bucket exists again.
  await app.storage.ensureBucket();
  const next = await createWorkflowFor(app, customerId);
  expect((await allEnded(app, [next.id], 120_000)).get(next.id)).toBe('SUCCESS');
  expect(worker.child.exitCode).toBeNull();
}, 360_000);
