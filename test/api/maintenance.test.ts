import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { startMaintenance } from '../../src/worker/maintenance.ts';
import { LogError } from '../error-logs/operations.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';

let now = new Date('2024-04-10T12:00:00.000Z');
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ clock: () => new Date(now) });
});

afterAll(async () => {
  await app.stop();
});

const pendingKeys = async () => (await app.db.selectFrom('pending_objects').select('key').execute()).map((row) => row.key);

describe('objects stored ahead of their workflow', () => {
  test('createWorkflow leaves nothing pending, whether it commits or is refused', async () => {
    const { customerId } = await app.createCustomer(1);
    await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    // The second run is not covered: refused after the source was stored, so it must be removed too.
    await expect(createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } })).rejects.toThrow(/costs 1 credit/);
    expect(await pendingKeys()).toEqual([]);
    expect(await app.listObjects('workflows/')).toHaveLength(1);
  });

  test('an object whose workflow never committed (its process died) is swept once it is an hour old', async () => {
    // What a createWorkflow that died between storing the source and committing leaves behind.
    const orphan = `workflows/${randomUUID()}/source/lost.png`;
    const recent = `workflows/${randomUUID()}/source/in-flight.png`;
    await app.db
      .insertInto('pending_objects')
      .values({ key: orphan, created_at: new Date(now.getTime() - 2 * 3600_000) })
      .execute();
    await app.storage.put(orphan, Buffer.from('bytes'), 'image/png');
    await app.db
      .insertInto('pending_objects')
      .values({ key: recent, created_at: new Date(now.getTime() - 60_000) })
      .execute();
    await app.storage.put(recent, Buffer.from('bytes'), 'image/png');

    const maintenance = startMaintenance({ ...app.services, logger: createLogger('silent') });
    try {
      await maintenance.runOnce();
    } finally {
      await maintenance.stop();
    }
    expect(await app.storage.head(orphan)).toBeNull();
    expect(await app.storage.head(recent)).not.toBeNull();
    expect(await pendingKeys()).toEqual([recent]);
  });
});

describe('error-log entries', () => {
  test('weeks past the retention (12 weeks) are pruned; later weeks stay whole', async () => {
    const { customerId, apiKey } = await app.createCustomer(0);
    const entryWeeks = async () =>
      (await app.db.selectFrom('error_log_entries').select('week').where('customer_id', '=', customerId).orderBy('id').execute()).map(
        (row) => row.week,
      );
    for (const at of ['2024-01-03T10:00:00Z', '2024-01-04T10:00:00Z', '2024-01-10T10:00:00Z', '2024-04-10T10:00:00Z']) {
      now = new Date(at);
      expect((await app.gql(LogError, { input: { message: `at ${at}` } }, { key: apiKey })).data?.logError.__typename).toBe(
        'LogErrorSuccess',
      );
    }
    expect(await entryWeeks()).toEqual(['2024-W01', '2024-W01', '2024-W02', '2024-W15']);
    // 12 weeks before 2024-04-10 (W15) is 2024-01-17 (W03): W01 and W02 go, whole.
    now = new Date('2024-04-10T12:00:00.000Z');
    expect(await app.services.errorLogs.pruneOldWeeks()).toBe(3);
    expect(await entryWeeks()).toEqual(['2024-W15']);
  });
});
