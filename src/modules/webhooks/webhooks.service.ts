import { z } from 'zod';
import type { Database, Trx } from '../../db/database.ts';
import type { WebhookDeliveryRow } from '../../db/schema/webhook-deliveries.ts';
import type { WebhookEndpointRow, WebhookEventType } from '../../db/schema/webhook-endpoints.ts';
import type { WorkflowRow } from '../../db/schema/workflows.ts';
import type { Logger } from '../../logger.ts';
import * as queue from '../../queue/jobs.ts';
import type { Storage } from '../../storage/s3.ts';
import { requireCustomer, type Viewer } from '../auth/viewer.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import { assertUuid, parseInput } from '../shared/validation.ts';
import { finalFlow, toCompletion, toMediaFile, toWorkflow } from '../workflows/workflow.ts';
import * as workflows from '../workflows/workflows.repository.ts';
import { generateSigningSecret } from './signature.ts';
import { checkWebhookUrl, UnsafeWebhookUrlError } from './webhook-http.ts';
import { snapshotOf, type WorkflowSnapshot, withSignedUrls } from './webhook-payload.ts';
import * as webhooks from './webhooks.repository.ts';

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

/** What a worker sends for one delivery: where, the body, and the secret to sign it with. */
export interface OutgoingDelivery {
  deliveryId: string;
  eventId: string;
  url: string;
  signingSecret: string;
  body: string;
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
}

/** A workflow's row as the statement that ended its run left it, and whether any endpoint listens to that end. */
export interface EndedWorkflow {
  row: WorkflowRow;
  anySubscribed: boolean;
}

export interface WebhooksDeps {
  db: Database;
  storage: Storage;
  logger: Logger;
  settings: WebhookSettings;
  clock: () => Date;
}

const createInput = z.object({
  url: z.string().trim().min(1, 'must not be empty').max(2048, 'must be at most 2,048 characters'),
  events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES as [WebhookEventType, ...WebhookEventType[]]))
    .min(1, 'must name at least one event type, or be left out for all')
    .nullish(),
});

export class WebhooksService {
  private readonly deps: WebhooksDeps;
  constructor(deps: WebhooksDeps) {
    this.deps = deps;
  }

  /** A new endpoint of the caller's customer, with its signing secret (returned this once). */
  async createEndpoint(viewer: Viewer, input: { url: string; events?: readonly WebhookEventType[] | null }) {
    const customerId = requireCustomer(viewer);
    const valid = parseInput(createInput, input, 'input');
    const { settings } = this.deps;
    try {
      await checkWebhookUrl(valid.url, settings.allowPrivateNetworks);
    } catch (error) {
      if (error instanceof UnsafeWebhookUrlError) throw ValidationError.field('input.url', error.message);
      throw error;
    }
    const signingSecret = generateSigningSecret();
    const row = await this.deps.db.transaction().execute(async (trx) => {
      await webhooks.lockEndpointsOf(trx, customerId);
      if ((await webhooks.countEndpoints(trx, customerId)) >= settings.maxEndpointsPerCustomer) {
        throw ValidationError.field(
          'input.url',
          `a customer may have at most ${settings.maxEndpointsPerCustomer} endpoints; delete one first`,
        );
      }
      const events = [...new Set(valid.events ?? WEBHOOK_EVENT_TYPES)];
      return webhooks.insertEndpoint(trx, { customer_id: customerId, url: valid.url, events, signing_secret: signingSecret });
    });
    this.deps.logger.info({ customerId, endpointId: row.id }, 'webhook endpoint created');
    return { endpoint: toEndpoint(row), signingSecret };
  }

  async listEndpoints(viewer: Viewer): Promise<WebhookEndpoint[]> {
    return (await webhooks.listEndpoints(this.deps.db, requireCustomer(viewer))).map(toEndpoint);
  }

  /** Removes the endpoint; every delivery to it, pending ones included, goes with it. */
  async deleteEndpoint(viewer: Viewer, id: string): Promise<WebhookEndpoint> {
    const customerId = requireCustomer(viewer);
    const endpointId = assertUuid(id, 'id');
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await webhooks.findEndpoint(trx, endpointId);
      if (!row || row.customer_id !== customerId) throw new NotFoundError('WebhookEndpoint', id);
      await webhooks.deleteEndpoint(trx, endpointId);
      return toEndpoint(row);
    });
  }

  /** Deliveries to an endpoint the caller was already shown (it holds the endpoint), newest first. */
  async deliveries(
    endpoint: WebhookEndpoint,
    args: { first?: number | null; after?: { createdAt: Date; id: string } },
  ): Promise<WebhookDeliveryPage> {
    const { maxPageSize, defaultPageSize } = this.deps.settings;
    const first = args.first ?? defaultPageSize;
    if (!Number.isInteger(first) || first < 1 || first > maxPageSize)
      throw ValidationError.field('first', `must be between 1 and ${maxPageSize}`);
    const rows = await webhooks.listDeliveries(this.deps.db, endpoint.id, args.after, first + 1);
    return {
      deliveries: rows.slice(0, first).map(toDelivery),
      hasNextPage: rows.length > first,
      hasPreviousPage: args.after !== undefined,
    };
  }

  /** Sends a delivery again now, with a fresh attempt budget, whatever it ended in. */
  async redeliver(viewer: Viewer, deliveryId: string): Promise<WebhookDelivery> {
    const customerId = requireCustomer(viewer);
    const id = assertUuid(deliveryId, 'deliveryId');
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await webhooks.lockDelivery(trx, id);
      if (!row || row.customer_id !== customerId) throw new NotFoundError('WebhookDelivery', deliveryId);
      await webhooks.updateDelivery(trx, id, { status: 'PENDING', attempts: 0, next_attempt_at: this.deps.clock(), delivered_at: null });
      await queue.requeueDeliveryJob(trx, id);
      return toDelivery((await webhooks.findDeliveryListRow(trx, id))!);
    });
  }

  /**
   * The outbox write: called in the transaction that ends (or deletes) a workflow, before its rows
   * go, it records the event with the workflow as it stands and queues one delivery per endpoint
   * subscribed to it. Nothing is recorded when no endpoint listens. `ended` is what the statement
   * that ended the run returned (see endpointsSubscribedExist), when the caller has it: the row
   * need not be read again, nor the endpoints when none was subscribed.
   */
  async recordWorkflowEvent(trx: Trx, workflowId: string, type: WebhookEventType, ended?: EndedWorkflow): Promise<void> {
    if (ended && !ended.anySubscribed) return;
    const row = ended?.row ?? (await workflows.findWorkflow(trx, workflowId));
    if (!row) return;
    const endpoints = await webhooks.endpointsSubscribedTo(trx, row.customer_id, type);
    if (endpoints.length === 0) return;
    const [completions, files] = await Promise.all([workflows.completionsOf(trx, [workflowId]), workflows.mediaFilesOf(trx, [workflowId])]);
    const workflow = toWorkflow(row);
    const snapshot = snapshotOf(workflow, completions.map(toCompletion), files.map(toMediaFile), finalFlow(workflow.pipelineMode));
    const event = await webhooks.insertEvent(trx, {
      customer_id: row.customer_id,
      workflow_id: workflowId,
      type,
      workflow: JSON.stringify(snapshot),
    });
    for (const endpoint of endpoints) {
      const delivery = await webhooks.insertDelivery(trx, { event_id: event.id, endpoint_id: endpoint.id });
      await queue.enqueueDelivery(trx, delivery.id);
    }
  }

  /** The request a worker sends for a delivery; undefined when it is gone (its endpoint was deleted). */
  async outgoing(deliveryId: string): Promise<OutgoingDelivery | undefined> {
    const found = await webhooks.findDeliveryToSend(this.deps.db, deliveryId);
    if (!found) return undefined;
    const { delivery, event, endpoint } = found;
    const workflow = await withSignedUrls(event.workflow as WorkflowSnapshot, (key) =>
      this.deps.storage.signGetUrl(key, this.deps.settings.urlSeconds),
    );
    const body = JSON.stringify({
      id: event.id,
      type: wireEventType(event.type),
      createdAt: event.created_at.toISOString(),
      data: { workflow },
    });
    return { deliveryId: delivery.id, eventId: event.id, url: endpoint.url, signingSecret: endpoint.signing_secret, body };
  }

  /**
   * Records an attempt in the caller's transaction (the worker holds the job's lock): SUCCEEDED,
   * or retried after base × 4^(n−1) seconds, or FAILED after the last attempt. Returns when to
   * try again, or null when the delivery is settled.
   */
  async recordAttempt(trx: Trx, deliveryId: string, outcome: AttemptOutcome): Promise<Date | null> {
    const row = await webhooks.lockDelivery(trx, deliveryId);
    if (!row) return null;
    const attempts = row.attempts + 1;
    const now = this.deps.clock();
    if (outcome.ok) {
      await webhooks.updateDelivery(trx, deliveryId, {
        status: 'SUCCEEDED',
        attempts,
        last_status_code: outcome.statusCode,
        last_error: null,
        next_attempt_at: null,
        delivered_at: now,
      });
      return null;
    }
    const { maxAttempts, retryBaseSeconds } = this.deps.settings;
    const next = attempts < maxAttempts ? new Date(now.getTime() + retryBaseSeconds * 1000 * 4 ** (attempts - 1)) : null;
    await webhooks.updateDelivery(trx, deliveryId, {
      status: next ? 'PENDING' : 'FAILED',
      attempts,
      last_status_code: outcome.statusCode ?? null,
      last_error: outcome.error.slice(0, 500),
      next_attempt_at: next,
    });
    return next;
  }
}

function toEndpoint(row: WebhookEndpointRow): WebhookEndpoint {
  return { id: row.id, customerId: row.customer_id, url: row.url, events: row.events, createdAt: row.created_at };
}

function toDelivery(row: webhooks.DeliveryListRow): WebhookDelivery {
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
