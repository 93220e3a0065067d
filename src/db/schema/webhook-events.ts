import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { WebhookEventType } from './webhook-endpoints.ts';

/** The outbox: one row per reported change, written in the change's own transaction; kept WEBHOOK_EVENT_RETENTION_DAYS. */
export interface WebhookEventsTable {
  id: ColumnType<string, string | undefined, never>;
  customer_id: string;
  /** No foreign key: a deleted workflow's event outlives it. */
  workflow_id: string;
  type: WebhookEventType;
  /**
   * The workflow as the change left it, without URLs (they are signed when sent); scrubbed of its
   * owner's fields when the workflow is deleted.
   */
  workflow: ColumnType<unknown, string, string>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type WebhookEventRow = Selectable<WebhookEventsTable>;
export type NewWebhookEventRow = Insertable<WebhookEventsTable>;
