import type { WebhookDeliveryRow } from '../../db/schema/webhook-deliveries.ts';
import type { WebhookEndpointRow, WebhookEventType } from '../../db/schema/webhook-endpoints.ts';
import type { WorkflowRow } from '../../db/schema/workflows.ts';
import type { DeliveryListRow } from './webhooks.repository.ts';

// The webhooks domain as the service hands it out: endpoints and deliveries without secrets or SQL rows.

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = [
  'WORKFLOW_SUCCEEDED',
  'WORKFLOW_FAILED',
  'WORKFLOW_CANCELED',
  'WORKFLOW_DELETED',
];

/** The `type` of a delivery's body: "workflow.succeeded" for WORKFLOW_SUCCEEDED. */
export function wireEventType(type: WebhookEventType): string {
  return `workflow.${type.slice('WORKFLOW_'.length).toLowerCase()}`;
}

export interface WebhookEndpoint {
  id: string;
  customerId: string;
  url: string;
  events: WebhookEventType[];
  createdAt: Date;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: WebhookEventType;
  workflowId: string;
  status: WebhookDeliveryRow['status'];
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface WebhookDeliveryPage {
  deliveries: WebhookDelivery[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** What a worker sends for one delivery: where, the body, and the secrets to sign it with. */
export interface OutgoingDelivery {
  deliveryId: string;
  eventId: string;
  url: string;
  /** The endpoint's live secrets, newest first: one v1 signature each. */
  signingSecrets: string[];
  body: string;
}

export interface RotatedSecret {
  endpoint: WebhookEndpoint;
  signingSecret: string;
  previousSecretExpiresAt: Date | null;
}

export type AttemptOutcome = { ok: true; statusCode: number } | { ok: false; statusCode?: number; error: string };

export interface WebhookSettings {
  maxEndpointsPerCustomer: number;
  maxAttempts: number;
  retryBaseSeconds: number;
  allowPrivateNetworks: boolean;
  /** How long the media URLs in a delivery stay valid. */
  urlSeconds: number;
  maxPageSize: number;
  defaultPageSize: number;
  /** The most a host's name resolution may take, at creation and at each attempt. */
  dnsTimeoutMs: number;
  endpointCreationsPerMinute: number;
  redeliveriesPerMinute: number;
  eventRetentionDays: number;
}

/** A workflow's row as the statement that ended its run left it, and whether any endpoint listens to that end. */
export interface EndedWorkflow {
  row: WorkflowRow;
  anySubscribed: boolean;
}

export function toEndpoint(row: WebhookEndpointRow): WebhookEndpoint {
  return { id: row.id, customerId: row.customer_id, url: row.url, events: row.events, createdAt: row.created_at };
}

export function toDelivery(row: DeliveryListRow): WebhookDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.type,
    workflowId: row.workflow_id,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}
