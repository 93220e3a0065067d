import type { Config } from './config.ts';
import { createDatabase, type Database, migrateToLatest } from './db/database.ts';
import { S3RVER_KEY } from './embedded/s3.ts';
import { type EmbeddedServices, useEmbeddedServices } from './embedded/shared.ts';
import type { Logger } from './logger.ts';
import { Storage } from './storage/s3.ts';

export interface Infrastructure {
  db: Database;
  /** Where db points: the LISTEN connections open their own client to it. */
  databaseUrl: string;
  storage: Storage;
  /** Which services run embedded because nobody configured them (started here or by another command on DATA_DIR). */
  embedded: { postgres: boolean; s3: boolean };
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
  const embedded: EmbeddedServices | undefined =
    wanted.postgres || wanted.s3 ? await useEmbeddedServices(config.dataDir, wanted, logger) : undefined;
  const databaseUrl = config.databaseUrl ?? embedded!.databaseUrl!;
  const s3 = embedded?.s3Endpoint
    ? { ...config.s3, endpoint: embedded.s3Endpoint, forcePathStyle: true, accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY }
    : config.s3;
  const db = createDatabase(databaseUrl, { poolSize: config.databasePoolSize, logger });
  const storage = new Storage(s3);
  const stop = async () => {
    // In this order: nothing of ours may still be talking to a service when it goes away.
    await db.destroy().catch((error: unknown) => logger.error({ err: error }, 'error while closing the database pool'));
    storage.destroy();
    await embedded?.stop().catch((error: unknown) => logger.error({ err: error }, 'error while stopping the embedded services'));
  };
  try {
    await migrateToLatest(db, logger);
    await storage.ensureBucket();
  } catch (error) {
    await stop();
    throw error;
  }
  return { db, databaseUrl, storage, embedded: { postgres: wanted.postgres, s3: wanted.s3 }, stop };
}
