import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3RVER_KEY } from '../../src/embedded/s3.ts';
import { useEmbeddedServices } from '../../src/embedded/shared.ts';
import { createLogger } from '../../src/logger.ts';
import { adminQuery, withDatabase } from '../../test/helpers/databases.ts';
import { setLogDir } from './processes.ts';

/** Where the services of one bench run live, and the environment every child gets. */
export interface Stack {
  dir: string;
  databaseUrl: string;
  adminKey: string;
  /** The environment of every `framewright` child: the database, the bucket, the admin key, the bench's limits. */
  serviceEnv: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The bench's own database and bucket: on DATABASE_URL's server a fresh database (dropped at the end),
 * else the embedded PostgreSQL; S3_ENDPOINT's bucket, else the embedded S3 server. Run by the bench
 * process itself, so the service processes can come and go between benchmarks.
 */
export async function startStack(): Promise<Stack> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'framewright-bench-'));
  // The embedded PostgreSQL runs as its own system user when the bench runs as root: it must enter the folder.
  await fs.chmod(dir, 0o755);
  setLogDir(dir);
  const logger = createLogger('warn');
  const external = process.env['DATABASE_URL'] || undefined;
  const s3Endpoint = process.env['S3_ENDPOINT'] || undefined;
  const embedded =
    !external || !s3Endpoint
      ? await useEmbeddedServices(path.join(dir, 'data'), { postgres: !external, s3: !s3Endpoint, bucket: 'framewright' }, logger)
      : undefined;
  const database = external ? await freshDatabase(external) : undefined;
  const databaseUrl = database?.url ?? embedded!.databaseUrl!;
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  const s3Env: Record<string, string> = s3Endpoint
    ? {}
    : {
        S3_ENDPOINT: embedded!.s3Endpoint!,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: S3RVER_KEY,
        AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
      };
  const serviceEnv = {
    ...s3Env,
    DATABASE_URL: databaseUrl,
    ADMIN_API_KEY: adminKey,
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
    DATA_DIR: path.join(dir, 'service-data'),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    // Load from one address and one key: the per-address and per-key guards would refuse it.
    MAX_CONNECTIONS_PER_ADDRESS: '100000',
    MAX_CONNECTIONS: '100000',
    MAX_SUBSCRIPTIONS_PER_CONNECTION: '100',
    MAX_SUBSCRIPTIONS_PER_KEY: '100000',
    ERROR_LOG_RATE_PER_SECOND: '1000000',
    SHUTDOWN_GRACE_SECONDS: '2',
  };
  return {
    dir,
    databaseUrl,
    adminKey,
    serviceEnv,
    stop: async () => {
      await database?.drop().catch((error: unknown) => console.error('could not drop the bench database:', error));
      await embedded?.stop();
      // The logs stay for a look after the run; the data goes.
      await fs.rm(path.join(dir, 'data'), { recursive: true, force: true });
      await fs.rm(path.join(dir, 'service-data'), { recursive: true, force: true });
    },
  };
}

/** A new empty database on the server of `url`, so a run never reads another run's rows. */
async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `framewright_bench_${Date.now()}`;
  await adminQuery(url, `CREATE DATABASE ${name}`);
  return {
    url: withDatabase(url, name),
    drop: () => adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
