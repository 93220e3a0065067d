import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import { limits } from '../../src/config.ts';
import { createDatabase, type Database, migrateToLatest } from '../../src/db/database.ts';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from '../../src/embedded/postgres.ts';
import type { Logger } from '../../src/logger.ts';
import { createServices, type Services } from '../../src/services.ts';
import { Storage } from '../../src/storage/s3.ts';

/**
 * The API on a PostgreSQL of its own, for tests that stop and start the database under a running
 * service (the suite's shared server cannot be restarted under the other tests). It comes back on
 * the same port, so the pool, the LISTEN connections and a job runner find it again.
 */
export class OwnPostgresStack {
  db!: Database;
  storage!: Storage;
  services!: Services;
  app!: App;
  /** `http://127.0.0.1:PORT` of the API. */
  base!: string;
  databaseUrl!: string;
  private postgres: EmbeddedPostgresHandle | undefined;
  private scratch: string | undefined;

  private readonly logger: Logger;
  private constructor(logger: Logger) {
    this.logger = logger;
  }

  static async start(options: { name: string; logger: Logger; poolSize: number; shutdownGraceMs: number }): Promise<OwnPostgresStack> {
    const stack = new OwnPostgresStack(options.logger);
    try {
      await stack.build(options);
      return stack;
    } catch (error) {
      await stack.close().catch(() => {});
      throw error;
    }
  }

  private async build(options: { name: string; logger: Logger; poolSize: number; shutdownGraceMs: number }): Promise<void> {
    this.scratch = await mkdtemp(path.join(os.tmpdir(), `framewright-${options.name}-`));
    // As root the cluster runs as the postgres user, who must be able to enter this folder.
    await chmod(this.scratch, 0o755);
    this.postgres = await startEmbeddedPostgres(this.dataDir(), options.logger);
    this.databaseUrl = this.postgres.url;
    this.db = createDatabase(this.databaseUrl, { poolSize: options.poolSize, logger: options.logger });
    await migrateToLatest(this.db, options.logger);
    this.storage = new Storage({
      endpoint: inject('s3Endpoint'),
      region: 'us-east-1',
      bucket: `fw-${options.name}-${randomBytes(6).toString('hex')}`,
      forcePathStyle: true,
      accessKeyId: inject('s3AccessKeyId'),
      secretAccessKey: inject('s3SecretAccessKey'),
    });
    await this.storage.ensureBucket();
    this.services = createServices({
      config: { adminApiKey: undefined, limits, webhookSecretKey: randomBytes(32) },
      db: this.db,
      storage: this.storage,
      logger: options.logger,
    });
    this.app = buildApp({
      services: this.services,
      db: this.db,
      storage: this.storage,
      logger: options.logger,
      limits,
      databaseUrl: this.databaseUrl,
      shutdownGraceMs: options.shutdownGraceMs,
    });
    this.base = `http://127.0.0.1:${await this.app.listen(0, '127.0.0.1')}`;
  }

  /** Stops PostgreSQL; `startPostgres` brings it back on the same port. */
  async stopPostgres(): Promise<void> {
    await this.postgres?.stop();
    this.postgres = undefined;
  }

  async startPostgres(): Promise<void> {
    this.postgres = await startEmbeddedPostgres(this.dataDir(), this.logger, Number(new URL(this.databaseUrl).port));
    if (this.postgres.url !== this.databaseUrl) throw new Error(`PostgreSQL came back at ${this.postgres.url}, not ${this.databaseUrl}`);
  }

  /** Stops what `start` started; stop a job runner on it first. */
  async close(): Promise<void> {
    await this.app?.stop();
    await this.db?.destroy();
    this.storage?.destroy();
    await this.stopPostgres();
    if (this.scratch) await rm(this.scratch, { recursive: true, force: true });
  }

  private dataDir(): string {
    return path.join(this.scratch!, 'postgres');
  }
}
