import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.ts';
import { createDatabase, type Database, migrateToLatest } from './db/database.ts';
import type { EmbeddedServices } from './embedded/shared.ts';
import type { Logger } from './logger.ts';
import type { RateLimitStore } from './modules/shared/key-rate-limiter.ts';
import { createNotifier, type Notifier } from './notifier/index.ts';
import { Storage } from './storage/s3.ts';

export interface Infrastructure {
  db: Database;
  /** Where db points (PgBouncer, maybe). */
  databaseUrl: string;
  /** PostgreSQL directly (DATABASE_LISTEN_URL, else databaseUrl): LISTEN and migrations, which keep session state. */
  databaseListenUrl: string;
  /** The bus between processes (NOTIFIER): job wake-ups, progress events. */
  notifier: Notifier;
  /** Per-key limits are counted here, for every process: Redis with NOTIFIER=redis, else PostgreSQL. */
  rateLimitStore: RateLimitStore;
  storage: Storage;
  /** Which services run embedded because nobody configured them (started here or by another command on DATA_DIR). */
  embedded: { postgres: boolean; s3: boolean };
  /**
   * The admin key this process acts on: ADMIN_API_KEY, or on an embedded PostgreSQL without it, the
   * one kept in DATA_DIR/admin-api-key (generated on first start), so a newcomer can grant credits.
   */
  adminApiKey: string | undefined;
  /** True when adminApiKey is the DATA_DIR one: the start banner prints it (never a configured one). */
  adminApiKeyGenerated: boolean;
  /**
   * The key webhook signing secrets are stored under: WEBHOOK_SECRET_KEY, or on an embedded
   * PostgreSQL without it (loadConfig requires it otherwise), the one kept in DATA_DIR/webhook-secret-key.
   */
  webhookSecretKey: Buffer;
  /**
   * Closes the pool and the S3 client, then stops the embedded services this process started
   * (S3, then Postgres). Services another process runs on DATA_DIR are left running.
   */
  stop(): Promise<void>;
}

/**
 * Connects to PostgreSQL and the bucket, using the embedded defaults for whatever is not
 * configured, then migrates and makes sure the bucket exists. Embedded or not, everything after
 * this goes through the same pg + Kysely pool and the same S3 client.
 */
export async function startInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const wanted = { postgres: !config.databaseUrl, s3: !config.s3.endpoint, bucket: config.s3.bucket };
  const embedded = wanted.postgres || wanted.s3 ? await useEmbedded(config.dataDir, wanted, logger) : undefined;
  const databaseUrl = config.databaseUrl ?? embedded!.databaseUrl!;
  const s3 = embedded?.s3Endpoint
    ? { ...config.s3, endpoint: embedded.s3Endpoint, forcePathStyle: true, accessKeyId: embedded.s3Key, secretAccessKey: embedded.s3Key }
    : config.s3;
  const databaseListenUrl = config.databaseListenUrl ?? databaseUrl;
  const { notifier, publisher } = await createNotifier({ config: config.notifier, listenUrl: databaseListenUrl, logger });
  const db = createDatabase(databaseUrl, { poolSize: config.databasePoolSize, logger, publisher });
  const storage = new Storage(s3);
  const stop = async () => {
    // In this order: nothing of ours may still be talking to a service when it goes away.
    await db.destroy().catch((error: unknown) => logger.error({ err: error }, 'error while closing the database pool'));
    await notifier.stop();
    storage.destroy();
    await embedded?.stop().catch((error: unknown) => logger.error({ err: error }, 'error while stopping the embedded services'));
  };
  try {
    await migrateDirectly(databaseListenUrl, logger);
    await storage.ensureBucket();
  } catch (error) {
    await stop();
    throw error;
  }
  const generated = !config.adminApiKey && wanted.postgres ? await embeddedAdminKey(config.dataDir) : undefined;
  const webhookSecretKey = config.webhookSecretKey ?? (await embeddedWebhookSecretKey(config.dataDir));
  return {
    db,
    databaseUrl,
    databaseListenUrl,
    notifier,
    rateLimitStore: publisher ? { kind: 'redis', client: publisher.client } : { kind: 'postgres', db },
    storage,
    embedded: { postgres: wanted.postgres, s3: wanted.s3 },
    adminApiKey: config.adminApiKey ?? generated,
    adminApiKeyGenerated: generated !== undefined,
    webhookSecretKey,
    stop,
  };
}

/** The embedded services, imported only here: the S3 server and its dependencies are ~10 MB of a configured process. */
async function useEmbedded(
  dataDir: string,
  wanted: { postgres: boolean; s3: boolean; bucket: string },
  logger: Logger,
): Promise<EmbeddedServices & { s3Key: string }> {
  const [{ useEmbeddedServices }, { S3RVER_KEY }] = await Promise.all([import('./embedded/shared.ts'), import('./embedded/s3.ts')]);
  const services = await useEmbeddedServices(dataDir, wanted, logger);
  return { databaseUrl: services.databaseUrl, s3Endpoint: services.s3Endpoint, stop: () => services.stop(), s3Key: S3RVER_KEY };
}

/** Migrates on a connection of its own to PostgreSQL itself: the migration lock is session state PgBouncer would not keep. */
async function migrateDirectly(url: string, logger: Logger): Promise<void> {
  const direct = createDatabase(url, { poolSize: 1, logger });
  try {
    await migrateToLatest(direct, logger);
  } finally {
    await direct.destroy();
  }
}

/**
 * Reads DATA_DIR/admin-api-key, creating it (mode 0600) on first use. 'wx' makes creation atomic:
 * when two commands start together on one DATA_DIR, the second reads the first one's key.
 */
async function embeddedAdminKey(dataDir: string): Promise<string> {
  return keptInDataDir(dataDir, 'admin-api-key', `fwadmin_${randomBytes(24).toString('base64url')}`);
}

/**
 * DATA_DIR/webhook-secret-key (32 bytes, base64), made on first use like the admin key. It sits
 * beside the embedded cluster's data, so it protects nothing there: embedded mode is for development.
 */
async function embeddedWebhookSecretKey(dataDir: string): Promise<Buffer> {
  const key = Buffer.from(await keptInDataDir(dataDir, 'webhook-secret-key', randomBytes(32).toString('base64')), 'base64');
  if (key.length !== 32) throw new Error(`${path.join(dataDir, 'webhook-secret-key')} does not hold 32 bytes in base64`);
  return key;
}

/** The file's content, or `fresh` written there (mode 0600) when there is none. */
async function keptInDataDir(dataDir: string, name: string, fresh: string): Promise<string> {
  const file = path.join(dataDir, name);
  try {
    await fs.writeFile(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await fs.readFile(file, 'utf8')).trim();
  }
}
