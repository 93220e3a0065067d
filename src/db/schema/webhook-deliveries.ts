import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

export type WebhookDeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** One event to one endpoint; its job (kind WEBHOOK_DELIVERY) sends it. */
export interface WebhookDeliveriesTable {
  id: ColumnType<string, string | undefined, never>;
  event_id: string;
  endpoint_id: string;
  status: ColumnType<WebhookDeliveryStatus, WebhookDeliveryStatus | undefined, WebhookDeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_status_code: ColumnType<number | null, number | null | undefined, number | null>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  next_attempt_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
  delivered_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type NewWebhookDeliveryRow = Insertable<WebhookDeliveriesTable>;
export type WebhookDeliveryRowUpdate = Updateable<WebhookDeliveriesTable>;
