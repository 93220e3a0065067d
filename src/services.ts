import { type Config, defaultWebhookConfig, type WebhookConfig } from './config.ts';
import type { Database } from './db/database.ts';
import type { Logger } from './logger.ts';
import { CreditsService } from './modules/credits/credits.service.ts';
import { CustomersService } from './modules/customers/customers.service.ts';
import { ErrorLogsService } from './modules/error-logs/error-logs.service.ts';
import { inProcessRateLimiter, type KeyRateLimiter, type RateLimitStore, sharedRateLimiter } from './modules/shared/key-rate-limiter.ts';
import { UploadsService } from './modules/uploads/uploads.service.ts';
import { WebhooksService } from './modules/webhooks/webhooks.service.ts';
import { SourceInspections } from './modules/workflows/source-inspections.ts';
import { type WorkflowSnapshot, withSignedUrls } from './modules/workflows/workflow-snapshot.ts';
import { WorkflowsService } from './modules/workflows/workflows.service.ts';
import type { Storage } from './storage/s3.ts';

export interface Services {
  credits: CreditsService;
  customers: CustomersService;
  errorLogs: ErrorLogsService;
  uploads: UploadsService;
  webhooks: WebhooksService;
  workflows: WorkflowsService;
}

export interface ServiceDeps {
  /** webhookSecretKey: WEBHOOK_SECRET_KEY, or on the embedded PostgreSQL the one in DATA_DIR (the infrastructure decides). */
  config: Pick<Config, 'adminApiKey' | 'limits'> & { webhooks?: WebhookConfig; webhookSecretKey: Buffer };
  db: Database;
  storage: Storage;
  logger: Logger;
  /** Injected so tests can move time (idempotency windows, week boundaries). */
  clock?: () => Date;
  /** Where per-key limits are counted across processes; each process counts its own when omitted. */
  rateLimitStore?: RateLimitStore;
}

export function createServices({ config, db, storage, logger, clock = () => new Date(), rateLimitStore }: ServiceDeps): Services {
  const credits = new CreditsService(db);
  const customers = new CustomersService(db, credits, config.adminApiKey, {
    keyCacheSeconds: config.limits.apiKeyCacheSeconds,
    maxLiveKeysPerCustomer: config.limits.maxApiKeysPerCustomer,
  });
  const uploads = new UploadsService(db, storage, config.limits, clock);
  const webhookConfig = config.webhooks ?? defaultWebhookConfig;
  const webhooks = new WebhooksService({
    db,
    storage,
    logger,
    clock,
    secretKey: config.webhookSecretKey,
    rateLimitStore,
    withSignedUrls: (document, sign) => withSignedUrls(document as WorkflowSnapshot, sign),
    settings: {
      ...webhookConfig,
      // The contract's cap; URLs in a delivery stay valid a day, for receivers that fetch later.
      maxEndpointsPerCustomer: 10,
      urlSeconds: 24 * 3600,
      maxPageSize: config.limits.maxPageSize,
      defaultPageSize: config.limits.defaultPageSize,
      // Within a delivery's 10 s, and short enough for a mutation to wait on.
      dnsTimeoutMs: 5000,
    },
  });
  const inspectionRate: KeyRateLimiter = rateLimitStore
    ? sharedRateLimiter(rateLimitStore, {
        keyPrefix: 'sourceInspection',
        points: config.limits.sourceInspectionsPerSecond,
        durationSeconds: 1,
        logger,
      })
    : inProcessRateLimiter(config.limits.sourceInspectionsPerSecond, () => clock().getTime());
  const sourceInspections = new SourceInspections(inspectionRate, config.limits);
  const workflows = new WorkflowsService({
    db,
    storage,
    credits,
    customers,
    uploads,
    // The outbox hears of every end: the one tie between the two domains, made here.
    endListener: webhooks,
    sourceInspections,
    logger,
    limits: config.limits,
    clock,
  });
  const rateLimiter =
    rateLimitStore &&
    sharedRateLimiter(rateLimitStore, { keyPrefix: 'logError', points: config.limits.errorLogRatePerSecond, durationSeconds: 1, logger });
  const errorLogs = new ErrorLogsService({ db, storage, customers, logger, limits: config.limits, clock, rateLimiter });
  return { credits, customers, uploads, webhooks, workflows, errorLogs };
}
