import path from 'node:path';
import { z } from 'zod';
import type { StorageSettings } from './storage/s3.ts';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const booleanFlag = z.preprocess(
  emptyAsUndefined,
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .optional(),
);
const integer = (min: number, max: number, fallback: number) =>
  z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number({ message: 'must be a whole number' })
      .int({ message: 'must be a whole number' })
      .min(min, { message: `must be at least ${min}` })
      .max(max, { message: `must be at most ${max}` })
      .default(fallback),
  );

const envSchema = z.object({
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: 'must start with postgres:// or postgresql://' })
      .optional(),
  ),
  DATABASE_LISTEN_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: 'must start with postgres:// or postgresql://' })
      .optional(),
  ),
  NOTIFIER: z.preprocess(emptyAsUndefined, z.enum(['postgres', 'redis'], { message: 'must be postgres or redis' }).default('postgres')),
  REDIS_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^rediss?:\/\//, { message: 'must start with redis:// or rediss://' })
      .optional(),
  ),
  S3_ENDPOINT: z.preprocess(emptyAsUndefined, z.url({ message: 'must be a URL such as http://127.0.0.1:9000' }).optional()),
  S3_PUBLIC_ENDPOINT: z.preprocess(emptyAsUndefined, z.url({ message: 'must be a URL such as https://files.example.com' }).optional()),
  S3_REGION: z.preprocess(emptyAsUndefined, z.string().default('us-east-1')),
  S3_BUCKET: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
        message: 'must be a valid bucket name (3-63 lowercase letters, digits, dots, hyphens)',
      })
      .default('framewright'),
  ),
  S3_FORCE_PATH_STYLE: booleanFlag,
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,
  HOST: z.preprocess(emptyAsUndefined, z.string().default('0.0.0.0')),
  PORT: integer(0, 65535, 4000),
  ADMIN_API_KEY: z.preprocess(emptyAsUndefined, z.string().min(16, { message: 'must be at least 16 characters' }).optional()),
  WORKER_CONCURRENCY: integer(1, 64, 2),
  WORKER_LEASE_SECONDS: integer(5, 3600, 30),
  SHUTDOWN_GRACE_SECONDS: integer(0, 3600, 25),
  DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./.framewright')),
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  DATABASE_POOL_SIZE: integer(2, 200, 10),
  ERROR_LOG_RATE_PER_SECOND: integer(1, 1_000_000, 100),
  ERROR_LOG_MAX_FILE_BYTES: integer(1024, 1024 * 1024 * 1024, 5 * 1024 * 1024),
  ERROR_LOG_RETENTION_WEEKS: integer(1, 5200, 12),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: integer(1, 10_000, 20),
  MAX_SUBSCRIPTIONS_PER_KEY: integer(1, 1_000_000, 200),
  SUBSCRIPTION_IDLE_SECONDS: integer(1, 86_400, 300),
  SUBSCRIPTION_KEEPALIVE_SECONDS: integer(1, 3600, 12),
  MAX_QUERY_DEPTH: integer(2, 100, 10),
  MAX_ALIASES: integer(0, 10_000, 15),
  MAX_ROOT_FIELDS: integer(1, 10_000, 10),
  MAX_TOKENS: integer(100, 1_000_000, 1000),
  MAX_QUERY_COST: integer(10, 100_000_000, 5000),
  MAX_WEBSOCKET_MESSAGE_BYTES: integer(1024, 100 * 1024 * 1024, 1024 * 1024),
  MAX_CONNECTIONS: integer(1, 1_000_000, 4096),
  MAX_CONNECTIONS_PER_ADDRESS: integer(1, 1_000_000, 256),
  MAX_CONCURRENT_UPLOADS: integer(1, 10_000, 8),
  MAX_PENDING_UPLOADS: integer(1, 100_000, 50),
  SOURCE_INSPECTIONS_PER_SECOND: integer(1, 1_000_000, 50),
  MAX_CONCURRENT_INSPECTIONS: integer(1, 64, 2),
  API_KEY_CACHE_SECONDS: integer(0, 86_400, 30),
  MAX_API_KEYS_PER_CUSTOMER: integer(1, 10_000, 20),
  WEBHOOK_MAX_ATTEMPTS: integer(1, 100, 8),
  WEBHOOK_RETRY_BASE_SECONDS: integer(0, 86_400, 10),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: booleanFlag,
  WEBHOOK_CONCURRENCY: integer(1, 256, 4),
  WEBHOOK_SECRET_KEY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, { message: 'must be 32 bytes in base64 (openssl rand -base64 32)' })
      .transform((value) => Buffer.from(value, 'base64'))
      .refine((key) => key.length === 32, { message: 'must be 32 bytes in base64 (openssl rand -base64 32)' })
      .optional(),
  ),
  WEBHOOK_CREATIONS_PER_MINUTE: integer(1, 100_000, 20),
  WEBHOOK_REDELIVERIES_PER_MINUTE: integer(1, 100_000, 60),
  WEBHOOK_EVENT_RETENTION_DAYS: integer(1, 3650, 30),
  METRICS_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, { message: 'must be at least 16 characters' }).optional()),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(emptyAsUndefined, z.url({ message: 'must be a URL such as http://127.0.0.1:4318' }).optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.preprocess(
    emptyAsUndefined,
    z.url({ message: 'must be a URL such as http://127.0.0.1:4318/v1/traces' }).optional(),
  ),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.preprocess(
    emptyAsUndefined,
    z.enum(['http/protobuf', 'http/json'], { message: 'must be http/protobuf or http/json' }).default('http/protobuf'),
  ),
  OTEL_EXPORTER_OTLP_HEADERS: optionalString,
  OTEL_SERVICE_NAME: z.preprocess(emptyAsUndefined, z.string().default('framewright')),
  OTEL_RESOURCE_ATTRIBUTES: optionalString,
  OTEL_TRACES_SAMPLER: z.preprocess(
    emptyAsUndefined,
    z
      .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'], {
        message:
          'must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio',
      })
      .default('parentbased_always_on'),
  ),
  OTEL_TRACES_SAMPLER_ARG: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number({ message: 'must be a number from 0 to 1' })
      .min(0, { message: 'must be at least 0' })
      .max(1, { message: 'must be at most 1' })
      .default(1),
  ),
  CORS_ORIGINS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .default('*')
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .refine((origins) => origins.length > 0 && origins.every((origin) => origin === '*' || /^https?:\/\/[^/\s]+$/.test(origin)), {
        message: 'must be * or a comma-separated list of origins such as https://app.example.com',
      }),
  ),
  TRUSTED_DOCUMENTS: z.preprocess(emptyAsUndefined, z.enum(['allow', 'require'], { message: 'must be allow or require' }).default('allow')),
  TRUSTED_DOCUMENTS_FILES: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((file) => file.trim())
          .filter(Boolean),
      ),
  ),
});

/** S3 settings as the storage layer takes them; an unset endpoint means: start the embedded S3 server. */
export type S3Settings = StorageSettings;

export interface Config {
  /** Unset means: start the embedded PostgreSQL. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /**
   * A direct connection to PostgreSQL for LISTEN and migrations, which need session state
   * (DATABASE_LISTEN_URL); DATABASE_URL when unset. Set it when DATABASE_URL goes through PgBouncer.
   */
  databaseListenUrl: string | undefined;
  /** Which bus carries job wake-ups and progress events between processes (NOTIFIER, REDIS_URL). */
  notifier: NotifierConfig;
  s3: S3Settings;
  host: string;
  port: number;
  adminApiKey: string | undefined;
  /**
   * The AES-256 key that webhook signing secrets are stored under (WEBHOOK_SECRET_KEY). Required
   * with DATABASE_URL; unset on the embedded PostgreSQL, which keeps one in DATA_DIR.
   */
  webhookSecretKey: Buffer | undefined;
  worker: { concurrency: number; leaseSeconds: number };
  shutdownGraceSeconds: number;
  dataDir: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  limits: typeof limits;
  http: HttpSettings;
  webhooks: WebhookConfig;
  /** OpenTelemetry tracing; undefined (off) unless an OTLP endpoint is set. */
  tracing: TracingSettings | undefined;
}

/** The standard OTEL_* variables this service honours, read once here. */
export interface TracingSettings {
  /** Where spans are posted: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  tracesEndpoint: string;
  protocol: 'http/protobuf' | 'http/json';
  /** OTEL_EXPORTER_OTLP_HEADERS: key=value pairs, comma-separated (a collector's token). */
  headers: Readonly<Record<string, string>>;
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES: key=value pairs, comma-separated. */
  resourceAttributes: Readonly<Record<string, string>>;
  sampler: z.infer<typeof envSchema>['OTEL_TRACES_SAMPLER'];
  /** The ratio of the traceidratio samplers (OTEL_TRACES_SAMPLER_ARG). */
  samplerRatio: number;
}

export type NotifierConfig = { kind: 'postgres' } | { kind: 'redis'; redisUrl: string };

/** How webhook deliveries are sent and retried. */
export interface WebhookConfig {
  /** Attempts before a delivery is FAILED (WEBHOOK_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Attempt n+1 comes base × 4^(n−1) seconds after attempt n (WEBHOOK_RETRY_BASE_SECONDS). */
  retryBaseSeconds: number;
  /** http:// and loopback or private addresses too: for development and tests (WEBHOOK_ALLOW_PRIVATE_NETWORKS). */
  allowPrivateNetworks: boolean;
  /** Deliveries a worker sends at once, beside its media jobs (WEBHOOK_CONCURRENCY). */
  concurrency: number;
  /** createWebhookEndpoint calls per customer and minute (WEBHOOK_CREATIONS_PER_MINUTE). */
  endpointCreationsPerMinute: number;
  /** redeliverWebhook calls per customer and minute (WEBHOOK_REDELIVERIES_PER_MINUTE). */
  redeliveriesPerMinute: number;
  /** Events (and their deliveries) older than this are removed (WEBHOOK_EVENT_RETENTION_DAYS). */
  eventRetentionDays: number;
}

export const defaultWebhookConfig: WebhookConfig = Object.freeze({
  maxAttempts: 8,
  retryBaseSeconds: 10,
  allowPrivateNetworks: false,
  concurrency: 4,
  endpointCreationsPerMinute: 20,
  redeliveriesPerMinute: 60,
  eventRetentionDays: 30,
});

/** Who may read what at the HTTP edge (besides the API keys). */
export interface HttpSettings {
  /** When set, GET /metrics requires `Authorization: Bearer <token>` (METRICS_TOKEN). */
  metricsToken: string | undefined;
  /** Origins answered with CORS headers; `*` is any (CORS_ORIGINS). Never with credentials. */
  corsOrigins: readonly string[];
  /**
   * `allow`: operations by hash or as documents; `require`: customer keys and anonymous callers send
   * hashes only (TRUSTED_DOCUMENTS). The hashes known are the service's own manifest's and those of
   * the apps' manifests in `trustedDocumentFiles` (TRUSTED_DOCUMENTS_FILES).
   */
  trustedDocuments: 'allow' | 'require';
  trustedDocumentFiles: readonly string[];
}

export const defaultHttpSettings: HttpSettings = Object.freeze({
  metricsToken: undefined,
  corsOrigins: Object.freeze(['*']),
  trustedDocuments: 'allow',
  trustedDocumentFiles: Object.freeze([]),
});

/** Limits of the service: fixed ones, and the defaults of those the environment may change. */
export const limits = Object.freeze({
  maxSourceBytes: 25 * 1024 * 1024,
  maxSourcePixels: 40_000_000,
  /** Room for the multipart envelope around the largest allowed file. */
  maxRequestBytes: 26 * 1024 * 1024,
  uploadUrlSeconds: 3600,
  /** Uploads a customer may hold unused with a live URL; past it createUpload is RATE_LIMITED (MAX_PENDING_UPLOADS). */
  maxPendingUploads: 50 as number,
  /** createWorkflow calls that fail after reading an upload's bytes; past it the upload is refused (create a new one). */
  maxUploadFailedAttempts: 5,
  /**
   * createWorkflow sources read and inspected per second per customer (its keys together), across
   * every API process; past it createWorkflow is RATE_LIMITED (SOURCE_INSPECTIONS_PER_SECOND).
   */
  sourceInspectionsPerSecond: 50 as number,
  /**
   * Image headers read at once in this process (MAX_CONCURRENT_INSPECTIONS): sharp works on
   * libuv's 4 threads, which file reads and DNS lookups share; 2 leaves them at least 2.
   */
  maxConcurrentInspections: 2 as number,
  /** Inspections that may wait for a slot; past it createWorkflow is RATE_LIMITED at once. */
  maxQueuedInspections: 64,
  maxSignedUrlSeconds: 7 * 24 * 3600,
  maxPageSize: 100,
  defaultPageSize: 20,
  /** logError calls per second per API key, counted across every API process (ERROR_LOG_RATE_PER_SECOND). */
  errorLogRatePerSecond: 100 as number,
  /** A week's error log file stops taking entries at this size (ERROR_LOG_MAX_FILE_BYTES). */
  errorLogMaxFileBytes: 5 * 1024 * 1024,
  /** Weeks of error-log entries kept in the database; older weeks are pruned (ERROR_LOG_RETENTION_WEEKS). */
  errorLogRetentionWeeks: 12 as number,
  /** Open workflowProgress subscriptions on one WebSocket (MAX_SUBSCRIPTIONS_PER_CONNECTION). */
  maxSubscriptionsPerConnection: 20 as number,
  /** Open subscriptions of one customer (or the admin key), in each API process (MAX_SUBSCRIPTIONS_PER_KEY). */
  maxSubscriptionsPerKey: 200 as number,
  /** A WebSocket without a subscription for this long is closed (SUBSCRIPTION_IDLE_SECONDS). */
  subscriptionIdleSeconds: 300 as number,
  /** graphql-ws pings each socket this often; a socket that misses the pong is dropped (SUBSCRIPTION_KEEPALIVE_SECONDS). */
  subscriptionKeepAliveSeconds: 12 as number,
  /** Deepest selection nesting of an operation, inline fragments flattened (MAX_QUERY_DEPTH). */
  maxQueryDepth: 10 as number,
  /** Aliased fields in an operation (MAX_ALIASES). */
  maxAliases: 15 as number,
  /** Top-level fields in an operation, aliases included (MAX_ROOT_FIELDS). */
  maxRootFields: 10 as number,
  /** Lexical tokens in an operation's text; also bounds how deep a literal may nest (MAX_TOKENS). */
  maxTokens: 1000 as number,
  /** Estimated cost: fields, times list sizes, signed URLs at 10 each (MAX_QUERY_COST). */
  maxQueryCost: 5000 as number,
  /** Largest graphql-ws message; a bigger one closes the socket with 1009 (MAX_WEBSOCKET_MESSAGE_BYTES). */
  maxWebSocketMessageBytes: 1024 * 1024,
  /** Open TCP connections (HTTP and WebSocket) in this process (MAX_CONNECTIONS). */
  maxConnections: 4096 as number,
  /**
   * Open TCP connections from one remote address (MAX_CONNECTIONS_PER_ADDRESS). Each SSE
   * subscription holds one, so this stays above MAX_SUBSCRIPTIONS_PER_KEY; behind a proxy every
   * client shares the proxy's address.
   */
  maxConnectionsPerAddress: 256 as number,
  /** Request bodies over 1 MB (uploads) being received at once (MAX_CONCURRENT_UPLOADS). */
  maxConcurrentUploads: 8 as number,
  /** Nesting depth of a JSON scalar value (logError's context). */
  maxJsonDepth: 32,
  /**
   * How long an API process remembers which customer a key belongs to (API_KEY_CACHE_SECONDS; 0: look
   * up every request). A revocation reaches every process at once; this bounds a missed one.
   */
  apiKeyCacheSeconds: 30 as number,
  /**
   * Live (unrevoked) API keys a customer may hold; past it createApiKey is refused (BAD_REQUEST), so
   * a leaked key cannot mint keys without bound (MAX_API_KEYS_PER_CUSTOMER).
   */
  maxApiKeysPerCustomer: 20 as number,
});

const SECRET_SETTINGS = new Set(['ADMIN_API_KEY', 'METRICS_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'WEBHOOK_SECRET_KEY']);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The environment checked against the schema; the first bad setting is one ConfigError naming it. */
function parseEnv(env: NodeJS.ProcessEnv): z.infer<typeof envSchema> {
  const parsed = envSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? 'environment');
  // Secrets are never echoed: this line ends up in terminals and log collectors.
  const value = SECRET_SETTINGS.has(name) ? 'a value not shown' : JSON.stringify(env[name]?.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@'));
  const shown = env[name] === undefined ? '' : ` (got ${value})`;
  throw new ConfigError(`${name} ${issue.message}${shown}`);
}

function webhookConfigOf(e: z.infer<typeof envSchema>): WebhookConfig {
  return Object.freeze({
    maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
    retryBaseSeconds: e.WEBHOOK_RETRY_BASE_SECONDS,
    allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? false,
    concurrency: e.WEBHOOK_CONCURRENCY,
    endpointCreationsPerMinute: e.WEBHOOK_CREATIONS_PER_MINUTE,
    redeliveriesPerMinute: e.WEBHOOK_REDELIVERIES_PER_MINUTE,
    eventRetentionDays: e.WEBHOOK_EVENT_RETENTION_DAYS,
  });
}

/** Reads and validates the environment once; nothing else reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const e = parseEnv(env);
  if (e.NOTIFIER === 'redis' && !e.REDIS_URL) throw new ConfigError('NOTIFIER=redis needs REDIS_URL (such as redis://127.0.0.1:6379)');
  if (Boolean(e.AWS_ACCESS_KEY_ID) !== Boolean(e.AWS_SECRET_ACCESS_KEY)) {
    throw new ConfigError('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  }
  // Only the embedded PostgreSQL (for development) may keep its key beside its data, in DATA_DIR.
  if (e.DATABASE_URL && !e.WEBHOOK_SECRET_KEY) {
    throw new ConfigError('WEBHOOK_SECRET_KEY is required with DATABASE_URL: 32 random bytes in base64 (openssl rand -base64 32)');
  }
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseListenUrl: e.DATABASE_LISTEN_URL ?? e.DATABASE_URL,
    notifier: Object.freeze(e.NOTIFIER === 'redis' ? { kind: 'redis' as const, redisUrl: e.REDIS_URL! } : { kind: 'postgres' as const }),
    s3: Object.freeze({
      endpoint: e.S3_ENDPOINT,
      publicEndpoint: e.S3_PUBLIC_ENDPOINT,
      region: e.S3_REGION,
      bucket: e.S3_BUCKET,
      forcePathStyle: e.S3_FORCE_PATH_STYLE ?? Boolean(e.S3_ENDPOINT),
      accessKeyId: e.AWS_ACCESS_KEY_ID,
      secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
    }),
    host: e.HOST,
    port: e.PORT,
    adminApiKey: e.ADMIN_API_KEY,
    webhookSecretKey: e.WEBHOOK_SECRET_KEY,
    worker: Object.freeze({ concurrency: e.WORKER_CONCURRENCY, leaseSeconds: e.WORKER_LEASE_SECONDS }),
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    limits: limitsFrom(e),
    http: Object.freeze({
      metricsToken: e.METRICS_TOKEN,
      corsOrigins: Object.freeze(e.CORS_ORIGINS),
      trustedDocuments: e.TRUSTED_DOCUMENTS,
      trustedDocumentFiles: Object.freeze(e.TRUSTED_DOCUMENTS_FILES.map((file) => path.resolve(file))),
    }),
    webhooks: webhookConfigOf(e),
    tracing: tracingSettingsOf(e),
  });
}

function tracingSettingsOf(e: z.infer<typeof envSchema>): TracingSettings | undefined {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesEndpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!tracesEndpoint) return undefined;
  return Object.freeze({
    tracesEndpoint,
    protocol: e.OTEL_EXPORTER_OTLP_PROTOCOL,
    headers: Object.freeze(keyValuePairs(e.OTEL_EXPORTER_OTLP_HEADERS)),
    serviceName: e.OTEL_SERVICE_NAME,
    resourceAttributes: Object.freeze(keyValuePairs(e.OTEL_RESOURCE_ATTRIBUTES)),
    sampler: e.OTEL_TRACES_SAMPLER,
    samplerRatio: e.OTEL_TRACES_SAMPLER_ARG,
  });
}

/** The OTEL_* list format: `k1=v1,k2=v2`, values percent-encoded. */
function keyValuePairs(list: string | undefined): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const item of list?.split(',') ?? []) {
    const at = item.indexOf('=');
    if (at <= 0) continue;
    pairs[item.slice(0, at).trim()] = decodeURIComponent(item.slice(at + 1).trim());
  }
  return pairs;
}

/** The limits: their defaults with the environment's values over them. */
function limitsFrom(e: z.infer<typeof envSchema>): Readonly<typeof limits> {
  return Object.freeze({
    ...limits,
    errorLogRatePerSecond: e.ERROR_LOG_RATE_PER_SECOND,
    errorLogMaxFileBytes: e.ERROR_LOG_MAX_FILE_BYTES,
    errorLogRetentionWeeks: e.ERROR_LOG_RETENTION_WEEKS,
    maxPendingUploads: e.MAX_PENDING_UPLOADS,
    sourceInspectionsPerSecond: e.SOURCE_INSPECTIONS_PER_SECOND,
    maxConcurrentInspections: e.MAX_CONCURRENT_INSPECTIONS,
    maxSubscriptionsPerConnection: e.MAX_SUBSCRIPTIONS_PER_CONNECTION,
    maxSubscriptionsPerKey: e.MAX_SUBSCRIPTIONS_PER_KEY,
    subscriptionIdleSeconds: e.SUBSCRIPTION_IDLE_SECONDS,
    subscriptionKeepAliveSeconds: e.SUBSCRIPTION_KEEPALIVE_SECONDS,
    maxQueryDepth: e.MAX_QUERY_DEPTH,
    maxAliases: e.MAX_ALIASES,
    maxRootFields: e.MAX_ROOT_FIELDS,
    maxTokens: e.MAX_TOKENS,
    maxQueryCost: e.MAX_QUERY_COST,
    maxWebSocketMessageBytes: e.MAX_WEBSOCKET_MESSAGE_BYTES,
    maxConnections: e.MAX_CONNECTIONS,
    maxConnectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
    maxConcurrentUploads: e.MAX_CONCURRENT_UPLOADS,
    apiKeyCacheSeconds: e.API_KEY_CACHE_SECONDS,
    maxApiKeysPerCustomer: e.MAX_API_KEYS_PER_CUSTOMER,
  });
}
