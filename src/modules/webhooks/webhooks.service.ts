import type { RawBuilder } from 'kysely';
import { z } from 'zod';
import type { Database, Trx } from '../../db/database.ts';
import type { WebhookEventType } from '../../db/schema/webhook-endpoints.ts';
import type { Logger } from '../../logger.ts';
import * as queue from '../../queue/jobs.ts';
import type { Storage } from '../../storage/s3.ts';
import { requireCustomer, type Viewer } from '../auth/viewer.ts';
import { NotFoundError, RateLimitedError, ValidationError } from '../shared/errors.ts';
import { type KeyRateLimiter, type RateLimitStore, sharedRateLimiter } from '../shared/key-rate-limiter.ts';
import { assertUuid, parseInput } from '../shared/validation.ts';
import { liveSecrets, MAX_PREVIOUS_SECRET_SECONDS, rotatedSecrets, sealed } from './endpoint-secrets.ts';
import { openSecret, sealSecret } from './secret-box.ts';
import { generateSigningSecret } from './signature.ts';
import {
  type AttemptOutcome,
  type OutgoingDelivery,
  type RotatedSecret,
  toDelivery,
  toEndpoint,
  WEBHOOK_EVENT_TYPES,
  type WebhookDelivery,
  type WebhookDeliveryPage,
  type WebhookEndpoint,
  type WebhookSettings,
  wireEventType,
} from './webhook.ts';
import { hostResolver } from './webhook-dns.ts';
import {
  checkWebhookUrl,
  type PostOptions,
  type PostResult,
  postWebhook,
  UnsafeWebhookUrlError,
  type WebhookTargets,
} from './webhook-http.ts';
import * as webhooks from './webhooks.repository.ts';

export interface WebhooksDeps {
  db: Database;
  storage: Storage;
  logger: Logger;
  settings: WebhookSettings;
  clock: () => Date;
  /** The AES-256 key the signing secrets are stored under (WEBHOOK_SECRET_KEY). */
  secretKey: Buffer;
  /** Name servers for endpoint hosts ("127.0.0.1:5353"); the system's when omitted. */
  dnsServers?: readonly string[];
  /** Where the per-customer call limits are counted; this process's memory when omitted. */
  rateLimitStore?: RateLimitStore;
  /** The workflow document of an event with a signed URL on each of its files (the workflows module's, wired in services.ts). */
  withSignedUrls(document: WorkflowDocument, sign: (key: string) => Promise<string>): Promise<Record<string, unknown>>;
}

/** A workflow as an event keeps it: JSON the workflows module made, carried as it is. */
type WorkflowDocument = object;

/** Events go in batches of this many, so a long backlog never holds one statement's locks for long. */
const PRUNE_BATCH = 1000;

const createInput = z.object({
  url: z.string().trim().min(1, 'must not be empty').max(2048, 'must be at most 2,048 characters'),
  events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES as [WebhookEventType, ...WebhookEventType[]]))
    .min(1, 'must name at least one event type, or be left out for all')
    .nullish(),
});

export class WebhooksService {
  private readonly deps: WebhooksDeps;
  /** Which URLs may be called: the one check at creation and at every attempt. */
  private readonly targets: WebhookTargets;
  private readonly limits: { createEndpoint: KeyRateLimiter; redeliver: KeyRateLimiter };
  constructor(deps: WebhooksDeps) {
    this.deps = deps;
    const { settings } = deps;
    this.targets = {
      allowPrivateNetworks: settings.allowPrivateNetworks,
      resolveHost: hostResolver({ timeoutMs: settings.dnsTimeoutMs, servers: deps.dnsServers, localNames: settings.allowPrivateNetworks }),
    };
    const store = deps.rateLimitStore ?? { kind: 'memory' };
    const perMinute = (keyPrefix: string, points: number) =>
      sharedRateLimiter(store, { keyPrefix, points, durationSeconds: 60, logger: deps.logger });
    this.limits = {
      createEndpoint: perMinute('createWebhookEndpoint', settings.endpointCreationsPerMinute),
      redeliver: perMinute('redeliverWebhook', settings.redeliveriesPerMinute),
    };
  }

  /**
   * A new endpoint of the caller's customer, with its signing secret (returned this once). The cap
   * is checked before the host is resolved, so a customer at it costs no name server a query.
   */
  async createEndpoint(viewer: Viewer, input: { url: string; events?: readonly WebhookEventType[] | null }) {
    const customerId = requireCustomer(viewer);
    await this.takeCall('createEndpoint', customerId, 'createWebhookEndpoint', this.deps.settings.endpointCreationsPerMinute);
    const valid = parseInput(createInput, input, 'input');
    await this.checkEndpointCap(this.deps.db, customerId);
    try {
      await checkWebhookUrl(valid.url, this.targets);
    } catch (error) {
      if (error instanceof UnsafeWebhookUrlError) throw ValidationError.field('input.url', error.message);
      throw error;
    }
    const signingSecret = generateSigningSecret();
    const row = await this.deps.db.transaction().execute(async (trx) => {
      await webhooks.lockEndpointsOf(trx, customerId);
      // Again under the lock: two creations that both passed the first check must not both get in.
      await this.checkEndpointCap(trx, customerId);
      const events = [...new Set(valid.events ?? WEBHOOK_EVENT_TYPES)];
      return webhooks.insertEndpoint(trx, {
        customer_id: customerId,
        url: valid.url,
        events,
        signing_secret: sealSecret(this.deps.secretKey, signingSecret),
      });
    });
    this.deps.logger.info({ customerId, endpointId: row.id }, 'webhook endpoint created');
    return { endpoint: toEndpoint(row), signingSecret };
  }

  /**
   * A new signing secret (returned this once); the current one goes on signing beside it for
   * `expireOldAfterSeconds` (0 to 86,400, default 86,400), so receivers can switch without a gap.
   */
  async rotateSecret(viewer: Viewer, id: string, expireOldAfterSeconds?: number | null): Promise<RotatedSecret> {
    const customerId = requireCustomer(viewer);
    const endpointId = assertUuid(id, 'id');
    const seconds = expireOldAfterSeconds ?? MAX_PREVIOUS_SECRET_SECONDS;
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_PREVIOUS_SECRET_SECONDS) {
      throw ValidationError.field('expireOldAfterSeconds', `must be a whole number of seconds from 0 to ${MAX_PREVIOUS_SECRET_SECONDS}`);
    }
    const signingSecret = generateSigningSecret();
    const previousSecretExpiresAt = seconds > 0 ? new Date(this.deps.clock().getTime() + seconds * 1000) : null;
    const row = await this.deps.db.transaction().execute(async (trx) => {
      const current = await webhooks.lockEndpoint(trx, endpointId);
      if (!current || current.customer_id !== customerId) throw new NotFoundError('WebhookEndpoint', id);
      return webhooks.updateEndpoint(trx, endpointId, rotatedSecrets(current, this.deps.secretKey, signingSecret, previousSecretExpiresAt));
    });
    this.deps.logger.info({ customerId, endpointId, previousSecretExpiresAt }, 'webhook signing secret rotated');
    return { endpoint: toEndpoint(row), signingSecret, previousSecretExpiresAt };
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
    await this.takeCall('redeliver', customerId, 'redeliverWebhook', this.deps.settings.redeliveriesPerMinute);
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
   * SQL for the statement that ends a run: whether any endpoint of the workflow's customer is
   * subscribed to this end (see WorkflowEndListener in the workflows module, wired in services.ts).
   */
  listensFor(end: WebhookEventType): RawBuilder<boolean> {
    return webhooks.endpointsSubscribedExist(end);
  }

  /**
   * The outbox write, in the transaction that ends (or deletes) a workflow, before its rows go: the
   * event with the workflow's document, and one delivery per endpoint subscribed to it. Nothing is
   * recorded, and the document is not read, when no endpoint listens.
   */
  async ended(
    trx: Trx,
    end: WebhookEventType,
    customerId: string,
    workflowId: string,
    document: () => Promise<WorkflowDocument>,
  ): Promise<void> {
    const endpoints = await webhooks.endpointsSubscribedTo(trx, customerId, end);
    if (endpoints.length === 0) return;
    const event = await webhooks.insertEvent(trx, {
      customer_id: customerId,
      workflow_id: workflowId,
      type: end,
      workflow: JSON.stringify(await document()),
    });
    for (const endpoint of endpoints) {
      const delivery = await webhooks.insertDelivery(trx, { event_id: event.id, endpoint_id: endpoint.id });
      await queue.enqueueDelivery(trx, delivery.id);
    }
  }

  /**
   * In the transaction that deletes a workflow: its earlier events (delivered or not) pass through
   * `scrub`, so neither the table nor a redelivery keeps its owner's fields.
   */
  async forgetOwner<D extends WorkflowDocument>(trx: Trx, workflowId: string, scrub: (document: D) => D): Promise<void> {
    for (const event of await webhooks.lockEventsOfWorkflow(trx, workflowId)) {
      await webhooks.replaceEventWorkflow(trx, event.id, JSON.stringify(scrub(event.workflow as D)));
    }
  }

  /** Removes events older than the retention, with their deliveries (pending ones too); returns how many. */
  async pruneEvents(): Promise<number> {
    const before = new Date(this.deps.clock().getTime() - this.deps.settings.eventRetentionDays * 24 * 3600 * 1000);
    let removed = 0;
    for (;;) {
      const batch = await webhooks.deleteEventsBefore(this.deps.db, before, PRUNE_BATCH);
      removed += batch;
      if (batch < PRUNE_BATCH) return removed;
    }
  }

  /**
   * Encrypts the secrets stored in plain text before encryption existed; returns how many. Every
   * process runs it once at start (after the migrations, which cannot: they do not get the key),
   * and the worker's maintenance now and then; with none left it only reads.
   */
  async sealPlainSecrets(): Promise<number> {
    return this.deps.db.transaction().execute(async (trx) => {
      const plain = await webhooks.lockPlainSecrets(trx);
      for (const row of plain)
        await webhooks.updateEndpoint(trx, row.id, { signing_secret: sealed(row.signing_secret, this.deps.secretKey) });
      return plain.length;
    });
  }

  /** Throws SecretKeyMismatchError when the stored secrets were sealed under another key (every delivery would fail). */
  async checkSecretKey(): Promise<void> {
    const stored = await webhooks.anySealedSecret(this.deps.db);
    if (stored) openSecret(this.deps.secretKey, stored);
  }

  /** Drops rotated-out secrets past their expiry; they sign nothing any more. Returns how many. */
  forgetExpiredSecrets(): Promise<number> {
    return webhooks.forgetExpiredPreviousSecrets(this.deps.db, this.deps.clock());
  }

  /** The request a worker sends for a delivery; undefined when it is gone (its endpoint was deleted). */
  async outgoing(deliveryId: string): Promise<OutgoingDelivery | undefined> {
    const found = await webhooks.findDeliveryToSend(this.deps.db, deliveryId);
    if (!found) return undefined;
    const { delivery, event, endpoint } = found;
    const workflow = await this.deps.withSignedUrls(event.workflow as WorkflowDocument, (key) =>
      this.deps.storage.signGetUrl(key, this.deps.settings.urlSeconds),
    );
    const body = JSON.stringify({
      id: event.id,
      type: wireEventType(event.type),
      createdAt: event.created_at.toISOString(),
      data: { workflow },
    });
    return {
      deliveryId: delivery.id,
      eventId: event.id,
      url: endpoint.url,
      signingSecrets: liveSecrets(endpoint, this.deps.secretKey, this.deps.clock()),
      body,
    };
  }

  /** One attempt's POST, through the same address check as the endpoint's creation. */
  post(outgoing: OutgoingDelivery, headers: Record<string, string>, options: Omit<PostOptions, 'targets'>): Promise<PostResult> {
    return postWebhook(outgoing.url, outgoing.body, headers, { ...options, targets: this.targets });
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

  private async checkEndpointCap(db: Database | Trx, customerId: string): Promise<void> {
    const { maxEndpointsPerCustomer } = this.deps.settings;
    if ((await webhooks.countEndpoints(db, customerId)) >= maxEndpointsPerCustomer) {
      throw ValidationError.field('input.url', `a customer may have at most ${maxEndpointsPerCustomer} endpoints; delete one first`);
    }
  }

  /** Per customer, whichever of its keys calls: more keys buy no more calls. */
  private async takeCall(limit: keyof WebhooksService['limits'], customerId: string, operation: string, perMinute: number): Promise<void> {
    const taken = await this.limits[limit].take(`customer:${customerId}`);
    if (!taken.ok) {
      throw new RateLimitedError(
        `Too many ${operation} calls for this customer (at most ${perMinute} a minute); retry in ${taken.retryAfterSeconds} s`,
        taken.retryAfterSeconds,
      );
    }
  }
}
