import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

export type WebhookEventType = 'WORKFLOW_SUCCEEDED' | 'WORKFLOW_FAILED' | 'WORKFLOW_CANCELED' | 'WORKFLOW_DELETED';

/** A customer's server that is told about its workflows. */
export interface WebhookEndpointsTable {
  id: ColumnType<string, string | undefined, never>;
  customer_id: string;
  url: string;
  events: WebhookEventType[];
  /**
   * The HMAC key, encrypted (modules/webhooks/secret-box.ts): it has to be kept to sign, and is
   * shown to the customer only when it is made.
   */
  signing_secret: string;
  /** The secret before the last rotation, encrypted, still signing until previous_secret_expires_at. */
  previous_signing_secret: ColumnType<string | null, string | null | undefined, string | null>;
  previous_secret_expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type NewWebhookEndpointRow = Insertable<WebhookEndpointsTable>;
export type WebhookEndpointRowUpdate = Updateable<WebhookEndpointsTable>;
