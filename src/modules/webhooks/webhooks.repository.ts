import { type RawBuilder, sql } from 'kysely';
import type { Executor, Trx } from '../../db/database.ts';
import type { NewWebhookDeliveryRow, WebhookDeliveryRow, WebhookDeliveryRowUpdate } from '../../db/schema/webhook-deliveries.ts';
import type { NewWebhookEndpointRow, WebhookEndpointRow, WebhookEventType } from '../../db/schema/webhook-endpoints.ts';
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
