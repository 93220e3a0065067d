import type { ColumnType, Insertable, Selectable } from 'kysely';

export type WebhookEventType = 'WORKFLOW_SUCCEEDED' | 'WORKFLOW_FAILED' | 'WORKFLOW_CANCELED' | 'WORKFLOW_DELETED';

/** A customer's server that is told about its workflows. */
export interface WebhookEndpointsTable {
  id: ColumnType<string, string | undefined, never>;
  customer_id: string;
  url: string;
  events: WebhookEventType[];
  /** The HMAC key: it has to be kept to sign, and is shown to the customer only at creation. */
  signing_secret: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type NewWebhookEndpointRow = Insertable<WebhookEndpointsTable>;
