import { type RawBuilder, sql } from 'kysely';
import type { Executor, Trx } from '../../db/database.ts';
import type { NewWebhookDeliveryRow, WebhookDeliveryRow, WebhookDeliveryRowUpdate } from '../../db/schema/webhook-deliveries.ts';
import type {
  NewWebhookEndpointRow,
  WebhookEndpointRow,
  WebhookEndpointRowUpdate,
  WebhookEventType,
} from '../../db/schema/webhook-endpoints.ts';
import type { NewWebhookEventRow, WebhookEventRow } from '../../db/schema/webhook-events.ts';

/** First key of the advisory lock that serializes endpoint creation per customer (the cap of 10). */
const ENDPOINTS_LOCK_NAMESPACE = 73_190_003;

export async function lockEndpointsOf(trx: Trx, customerId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${ENDPOINTS_LOCK_NAMESPACE}::integer, hashtext(${customerId}))`.execute(trx);
}

export async function countEndpoints(db: Executor, customerId: string): Promise<number> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export function insertEndpoint(trx: Trx, row: NewWebhookEndpointRow): Promise<WebhookEndpointRow> {
  return trx.insertInto('webhook_endpoints').values(row).returningAll().executeTakeFirstOrThrow();
}

export function listEndpoints(db: Executor, customerId: string): Promise<WebhookEndpointRow[]> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

export function findEndpoint(db: Executor, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

export function lockEndpoint(trx: Trx, id: string): Promise<WebhookEndpointRow | undefined> {
  return trx.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function updateEndpoint(trx: Trx, id: string, patch: WebhookEndpointRowUpdate): Promise<WebhookEndpointRow> {
  return trx.updateTable('webhook_endpoints').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** The sealed values start with this (secret-box.ts); the rest are plain, from before encryption. */
const SEALED_PATTERN = 'enc1:%';

/**
 * Endpoints whose secret is still plain, locked: a second process doing the same waits, then finds
 * them sealed (the WHERE is checked again on the rows it waited for) and skips them.
 */
export function lockPlainSecrets(trx: Trx): Promise<Array<Pick<WebhookEndpointRow, 'id' | 'signing_secret'>>> {
  return trx
    .selectFrom('webhook_endpoints')
    .select(['id', 'signing_secret'])
    .where('signing_secret', 'not like', SEALED_PATTERN)
    .forUpdate()
    .execute();
}

export async function anySealedSecret(db: Executor): Promise<string | undefined> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select('signing_secret')
    .where('signing_secret', 'like', SEALED_PATTERN)
    .limit(1)
    .executeTakeFirst();
  return row?.signing_secret;
}

/** Previous secrets past their expiry are dropped (they no longer sign); returns how many. */
export async function forgetExpiredPreviousSecrets(db: Executor, now: Date): Promise<number> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ previous_signing_secret: null, previous_secret_expires_at: null })
    .where('previous_secret_expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Its deliveries and their jobs go with it (ON DELETE CASCADE): nothing more is sent there. */
export async function deleteEndpoint(trx: Trx, id: string): Promise<void> {
  await trx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
}

export function endpointsSubscribedTo(db: Executor, customerId: string, type: WebhookEventType): Promise<WebhookEndpointRow[]> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where(sql<boolean>`${type} = ANY(events)`)
    .execute();
}

/**
 * endpointsSubscribedTo as a yes-or-no expression over a workflows row (its customer), for the
 * statement that ends a run to say whether its end has anyone to be told.
 */
export function endpointsSubscribedExist(type: WebhookEventType): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from webhook_endpoints where webhook_endpoints.customer_id = workflows.customer_id and ${type} = any(webhook_endpoints.events))`;
}

export function insertEvent(trx: Trx, row: NewWebhookEventRow): Promise<WebhookEventRow> {
  return trx.insertInto('webhook_events').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Every event of a workflow, locked (a redelivery or a sweep waits for the scrub to commit). */
export function lockEventsOfWorkflow(trx: Trx, workflowId: string): Promise<Array<Pick<WebhookEventRow, 'id' | 'workflow'>>> {
  return trx.selectFrom('webhook_events').select(['id', 'workflow']).where('workflow_id', '=', workflowId).forUpdate().execute();
}

export async function replaceEventWorkflow(trx: Trx, id: string, workflow: string): Promise<void> {
  await trx.updateTable('webhook_events').set({ workflow }).where('id', '=', id).execute();
}

/**
 * Removes up to `limit` events recorded before `before`, with their deliveries and those
 * deliveries' jobs (ON DELETE CASCADE); returns how many went. In batches, so no statement holds
 * many locks for long.
 */
export async function deleteEventsBefore(db: Executor, before: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('webhook_events')
    .where('id', 'in', (eb) => eb.selectFrom('webhook_events').select('id').where('created_at', '<', before).limit(limit))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function insertDelivery(trx: Trx, row: NewWebhookDeliveryRow): Promise<WebhookDeliveryRow> {
  return trx.insertInto('webhook_deliveries').values(row).returningAll().executeTakeFirstOrThrow();
}

export interface DeliveryToSend {
  delivery: WebhookDeliveryRow;
  event: WebhookEventRow;
  endpoint: WebhookEndpointRow;
}

export async function findDeliveryToSend(db: Executor, deliveryId: string): Promise<DeliveryToSend | undefined> {
  const delivery = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirst();
  if (!delivery) return undefined;
  const [event, endpoint] = await Promise.all([
    db.selectFrom('webhook_events').selectAll().where('id', '=', delivery.event_id).executeTakeFirst(),
    findEndpoint(db, delivery.endpoint_id),
  ]);
  return event && endpoint ? { delivery, event, endpoint } : undefined;
}

/** A delivery with the customer its endpoint belongs to, locked for the transaction. */
export function lockDelivery(trx: Trx, id: string): Promise<(WebhookDeliveryRow & { customer_id: string }) | undefined> {
  return trx
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
    .selectAll('webhook_deliveries')
    .select('webhook_endpoints.customer_id')
    .where('webhook_deliveries.id', '=', id)
    .forUpdate('webhook_deliveries')
    .executeTakeFirst();
}

export async function updateDelivery(db: Executor, id: string, patch: WebhookDeliveryRowUpdate): Promise<void> {
  await db.updateTable('webhook_deliveries').set(patch).where('id', '=', id).execute();
}

/** The event types of the deliveries, for listing (a delivery shows its event's type and workflow). */
export interface DeliveryListRow extends WebhookDeliveryRow {
  type: WebhookEventType;
  workflow_id: string;
}

export function findDeliveryListRow(db: Executor, id: string): Promise<DeliveryListRow | undefined> {
  return db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
    .selectAll('webhook_deliveries')
    .select(['webhook_events.type', 'webhook_events.workflow_id'])
    .where('webhook_deliveries.id', '=', id)
    .executeTakeFirst();
}

/** Newest first; (created_at, id) orders them totally, so a cursor never skips or repeats one. */
export function listDeliveries(
  db: Executor,
  endpointId: string,
  after: { createdAt: Date; id: string } | undefined,
  limit: number,
): Promise<DeliveryListRow[]> {
  let q = db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
    .selectAll('webhook_deliveries')
    .select(['webhook_events.type', 'webhook_events.workflow_id'])
    .where('webhook_deliveries.endpoint_id', '=', endpointId);
  if (after) {
    q = q.where((eb) =>
      eb(eb.refTuple('webhook_deliveries.created_at', 'webhook_deliveries.id'), '<', eb.tuple(after.createdAt, after.id)),
    );
  }
  return q.orderBy('webhook_deliveries.created_at', 'desc').orderBy('webhook_deliveries.id', 'desc').limit(limit).execute();
}
