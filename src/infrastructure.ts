import path from 'node:path';
import type { Config } from './config.ts';
import { createDatabase, type Database, migrateToLatest } from './db/database.ts';
import { startEmbeddedPostgres } from './embedded/postgres.ts';
import { startEmbeddedS3 } from './embedded/s3.ts';
import type { Logger } from './logger.ts';
import { Storage } from './storage/s3.ts';

export interface Infrastructure {
  db: Database;
  /** Where db points: the LISTEN connections open their own client to it. */
  databaseUrl: string;
  storage: Storage;
  /** Which services this process started itself because nobody configured them. */
  embedded: { postgres: boolean; s3: boolean };
  /** Closes the pool and the client, then stops what this process started. */
  stop(): Promise<void>;
}

/**
 * Connects to PostgreSQL and the bucket, starting the embedded defaults for whatever is not
 * configured, then migrates and makes sure the bucket exists. Embedded or not, everything after
 * this goes through the same pg + Kysely pool and the same S3 client.
 */
export async function startInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
    }
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'), logger);
      stops.push(embedded.stop);
      databaseUrl = embedded.url;
    }
    let s3 = config.s3;
    if (!s3.endpoint) {
      const embedded = await startEmbeddedS3(path.join(config.dataDir, 's3'), logger);
      stops.push(embedded.stop);
      s3 = { ...s3, endpoint: embedded.endpoint, forcePathStyle: true, accessKeyId: embedded.accessKeyId, secretAccessKey: embedded.secretAccessKey };
    }
    const db = createDatabase(databaseUrl, { poolSize: config.databasePoolSize, logger });
    stops.push(() => db.destroy());
    const storage = new Storage(s3);
    stops.push(async () => storage.destroy());
    await migrateToLatest(db, logger);
    await storage.ensureBucket();
    return {
      db,
      databaseUrl,
      storage,
      embedded: { postgres: !config.databaseUrl, s3: !config.s3.endpoint },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
