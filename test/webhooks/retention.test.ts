import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { startMaintenance } from '../../src/worker/maintenance.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { waitForWorkflow } from '../pipeline/wait.ts';
import { CreateWebhookEndpoint, RedeliverWebhook, WebhookEndpoints } from './operations.ts';
import { type Receiver, startReceiver } from './receiver.ts';

// What webhook events keep of a workflow: nothing of its owner's once it is deleted (in the
// delete's own transaction), and nothing at all past WEBHOOK_EVENT_RETENTION_DAYS.

let app: TestApp;
const receivers: Receiver[] = [];

beforeAll(async () => {
  app = await startTestApp({ webhooks: { eventRetentionDays: 30 } });
});

afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});

afterAll(async () => {
  await app.stop();
});

async function receiver(): Promise<Receiver> {
  const started = await startReceiver();
  receivers.push(started);
  return started;
}

async function endpointFor(apiKey: string, url: string) {
  const response = await app.gql(CreateWebhookEndpoint, { input: { url } }, { key: apiKey });
  const created = response.data?.createWebhookEndpoint;
  if (created?.__typename !== 'CreateWebhookEndpointPayload') throw new Error(`no endpoint: ${JSON.stringify(response)}`);
  return created.endpoint.id;
}

async function storedEvents(workflowId: string) {
  const rows = await app.db.selectFrom('webhook_events').select(['id', 'type', 'workflow']).where('workflow_id', '=', workflowId).execute();
  return rows.map((row) => ({
    ...row,
    workflow: row.workflow as Record<string, unknown> & { completions: Array<Record<string, unknown>> },
  }));
}

/** The owner's fields of a snapshot or a delivered workflow: all must be empty after deletion. */
function ownerFields(workflow: Record<string, unknown> & { completions: Array<Record<string, unknown>> }) {
  return {
    title: workflow['title'],
    description: workflow['description'],
    primaryUserId: workflow['primaryUserId'],
    customerId: workflow['customerId'],
    source: workflow['source'],
    error: workflow['error'],
    mediaResult: workflow['mediaResult'],
    completionResults: workflow.completions.flatMap((completion) => completion['result'] as unknown[]),
    completionErrors: workflow.completions.map((completion) => completion['error']).filter((error) => error !== null),
  };
}

const SCRUBBED = {
  title: null,
  description: null,
  primaryUserId: null,
  customerId: null,
  source: null,
  error: null,
  mediaResult: [],
  completionResults: [],
  completionErrors: [],
};

describe('a deleted workflow', () => {
  test('every event of it, the delivered workflow.succeeded too, loses its owner fields; a redelivery sends the scrubbed one', async () => {
    const target = await receiver();
    const { customerId, apiKey } = await app.createCustomer(5);
    const endpointId = await endpointFor(apiKey, target.url);
    const workflow = await createWorkflowFor(app, customerId, {
      title: 'Private title',
      description: 'Private description',
      primaryUserId: 'user-42',
      options: { pipelineMode: 'IMAGE' },
    });
    const worker = app.startWorker({ concurrency: 1, deliveryConcurrency: 2 });
    try {
      await waitForWorkflow(app, workflow.id, apiKey, (w) => w.processingStatus === 'SUCCESS');
      const [succeeded] = await target.waitFor(1);
      // Before the deletion, the event is the owner's view of the workflow.
      const sent = JSON.parse(succeeded!.body).data.workflow;
      expect(sent).toMatchObject({ title: 'Private title', description: 'Private description', primaryUserId: 'user-42', customerId });
      expect(sent.mediaResult).toHaveLength(1);

      await app.services.workflows.delete({ kind: 'customer', customerId }, workflow.id);
      const [, deleted] = await target.waitFor(2);
      const deletedEvent = JSON.parse(deleted!.body);
      expect(deletedEvent.type).toBe('workflow.deleted');
      expect(deletedEvent.data.workflow).toMatchObject({ id: workflow.id, processingStatus: 'SUCCESS', model: 'vim_new_year_2026' });
      expect({ ...ownerFields(deletedEvent.data.workflow), result: deletedEvent.data.workflow.result }).toEqual({
        ...SCRUBBED,
        result: [],
      });

      // The table, read directly: both events, the earlier succeeded one included.
      const events = await storedEvents(workflow.id);
      expect(events.map((event) => event.type).sort()).toEqual(['WORKFLOW_DELETED', 'WORKFLOW_SUCCEEDED']);
      for (const event of events) expect(ownerFields(event.workflow), event.type).toEqual(SCRUBBED);
      const text = JSON.stringify(events);
      for (const value of ['Private title', 'Private description', 'user-42', customerId, 'a.png']) expect(text).not.toContain(value);

      // A redelivery of the succeeded event (already delivered) sends what the table now holds.
      const listed = await app.gql(WebhookEndpoints, {}, { key: apiKey });
      const deliveries = listed.data!.webhookEndpoints.find((endpoint) => endpoint.id === endpointId)!.deliveries.edges.map((e) => e.node);
      const succeededDelivery = deliveries.find((delivery) => delivery.eventType === 'WORKFLOW_SUCCEEDED')!;
      expect(succeededDelivery.status).toBe('SUCCEEDED');
      const redelivered = await app.gql(RedeliverWebhook, { deliveryId: succeededDelivery.id }, { key: apiKey });
      expect(redelivered.data?.redeliverWebhook.__typename).toBe('WebhookDelivery');
      const [, , again] = await target.waitFor(3);
      const againEvent = JSON.parse(again!.body);
      expect(againEvent).toMatchObject({
        type: 'workflow.succeeded',
        data: { workflow: { id: workflow.id, processingStatus: 'SUCCESS' } },
      });
      expect(ownerFields(againEvent.data.workflow)).toEqual(SCRUBBED);
      for (const value of ['Private title', 'Private description', 'user-42', customerId]) expect(again!.body).not.toContain(value);
    } finally {
      await worker.stop(0);
    }
  });

  test('events of other workflows keep their fields', async () => {
    const { customerId, apiKey } = await app.createCustomer(10);
    await endpointFor(apiKey, 'http://127.0.0.1:9/hook');
    const kept = await createWorkflowFor(app, customerId, { title: 'Kept', options: { pipelineMode: 'VIDEO' } });
    const gone = await createWorkflowFor(app, customerId, { title: 'Gone', options: { pipelineMode: 'VIDEO' } });
    const owner = { kind: 'customer', customerId } as const;
    await app.services.workflows.cancel(owner, kept.id);
    await app.services.workflows.cancel(owner, gone.id);
    await app.services.workflows.delete(owner, gone.id);
    const [keptEvent] = await storedEvents(kept.id);
    expect(keptEvent!.workflow).toMatchObject({ title: 'Kept', primaryUserId: 'user-1', customerId });
    for (const event of await storedEvents(gone.id)) expect(event.workflow['title'], event.type).toBeNull();
  });
});

describe('WEBHOOK_EVENT_RETENTION_DAYS (30 here)', () => {
  test('the maintenance sweep removes events older than it, with their deliveries and jobs; younger ones stay', async () => {
    const { customerId, apiKey } = await app.createCustomer(10);
    await endpointFor(apiKey, 'http://127.0.0.1:9/hook');
    const owner = { kind: 'customer', customerId } as const;
    const old = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
    const young = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
    await app.services.workflows.cancel(owner, old.id);
    await app.services.workflows.cancel(owner, young.id);
    // As if recorded 31 and 29 days ago (their deliveries never got through: no worker runs here).
    await sql`UPDATE webhook_events SET created_at = now() - interval '31 days' WHERE workflow_id = ${old.id}`.execute(app.db);
    await sql`UPDATE webhook_events SET created_at = now() - interval '29 days' WHERE workflow_id = ${young.id}`.execute(app.db);
    const [oldEvent] = await storedEvents(old.id);
    const oldDeliveries = await app.db.selectFrom('webhook_deliveries').select('id').where('event_id', '=', oldEvent!.id).execute();
    expect(oldDeliveries).toHaveLength(1);

    const maintenance = startMaintenance({ ...app.services, logger: createLogger('silent') });
    try {
      await maintenance.runOnce();
    } finally {
      await maintenance.stop();
    }
    expect(await storedEvents(old.id)).toEqual([]);
    expect(await app.db.selectFrom('webhook_deliveries').select('id').where('event_id', '=', oldEvent!.id).execute()).toEqual([]);
    expect(await app.db.selectFrom('jobs').select('id').where('delivery_id', '=', oldDeliveries[0]!.id).execute()).toEqual([]);
    expect(await storedEvents(young.id)).toHaveLength(1);
  });
});
