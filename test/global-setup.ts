import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createDatabase, migrateToLatest } from '../src/db/database.ts';
import { startEmbeddedPostgres } from '../src/embedded/postgres.ts';
import { startEmbeddedS3 } from '../src/embedded/s3.ts';
import { createLogger } from '../src/logger.ts';
import { adminQuery, withDatabase } from './helpers/databases.ts';
import { startPgBouncer } from './helpers/pgbouncer.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server-level URL: test files create their own databases through it. */
    adminDatabaseUrl: string;
    templateDatabase: string;
    /** With TEST_PGBOUNCER=1 (the scale suite): adminDatabaseUrl through PgBouncer in transaction mode (apps' pools go there); else ''. */
    pooledDatabaseUrl: string;
    s3Endpoint: string;
    s3AccessKeyId: string;
    s3SecretAccessKey: string;
  }
}

/**
 * Real services for the whole run: PostgreSQL from DATABASE_URL when set, else the embedded one
 * (the same code path `npm start` takes), and the in-process S3 server. One migrated template
 * database; each test file clones it.
 */
export default async function setup(project: TestProject) {
  const logger = createLogger(process.env['TEST_LOG_LEVEL'] ?? 'warn');
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'framewright-test-'));
  // The embedded Postgres runs as the postgres user when we are root: it must be able to enter.
  await chmod(scratch, 0o755);
  const stops: Array<() => Promise<void>> = [];

  let adminDatabaseUrl = process.env['DATABASE_URL'];
  if (!adminDatabaseUrl) {
    const embedded = await startEmbeddedPostgres(path.join(scratch, 'postgres'), logger);
    stops.push(embedded.stop);
    adminDatabaseUrl = embedded.url;
  }
  // One per project: the scale suite's projects set up side by side in this process.
  const templateDatabase = `framewright_template_${process.pid}_${project.name.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`;
  await adminQuery(adminDatabaseUrl, `DROP DATABASE IF EXISTS ${templateDatabase}`);
  await adminQuery(adminDatabaseUrl, `CREATE DATABASE ${templateDatabase}`);
  stops.push(() => adminQuery(adminDatabaseUrl, `DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`));
  const template = createDatabase(withDatabase(adminDatabaseUrl, templateDatabase), { poolSize: 2 });
  await migrateToLatest(template);
  // A template must have no open connections while it is cloned.
  await template.destroy();

  const s3 = await startEmbeddedS3(path.join(scratch, 's3'), logger);
  stops.push(s3.stop);
  let pooledDatabaseUrl = '';
  // The project's env (vitest.scale.config.ts) reaches its test files; this setup reads it there too.
  if ((project.config.env?.['TEST_PGBOUNCER'] ?? process.env['TEST_PGBOUNCER']) === '1') {
    const bouncer = await startPgBouncer(adminDatabaseUrl);
    stops.push(bouncer.stop);
    pooledDatabaseUrl = bouncer.url;
  }

  project.provide('adminDatabaseUrl', adminDatabaseUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('pooledDatabaseUrl', pooledDatabaseUrl);
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('s3AccessKeyId', s3.accessKeyId);
  project.provide('s3SecretAccessKey', s3.secretAccessKey);

  return async () => {
    for (const stop of stops.reverse()) await stop();
    await rm(scratch, { recursive: true, force: true });
  };
}
