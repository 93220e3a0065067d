import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, inject, test } from 'vitest';
import { createDatabase, type Database, migrateToLatest } from '../../src/db/database.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { adminQuery, withDatabase } from '../helpers/databases.ts';

const created: string[] = [];

/** A fresh, EMPTY database: no template, so nothing is migrated yet. */
async function emptyDatabase(): Promise<string> {
  const name = `framewright_migrate_${randomBytes(6).toString('hex')}`;
  await adminQuery(inject('adminDatabaseUrl'), `CREATE DATABASE ${name}`);
  created.push(name);
  return withDatabase(inject('adminDatabaseUrl'), name);
}

afterAll(async () => {
  for (const name of created) await adminQuery(inject('adminDatabaseUrl'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

async function expectMigratedOnce(db: Database): Promise<void> {
  const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db);
  expect(applied.rows.map((row) => row.name)).toEqual(Object.keys(migrations).sort());
  const tables = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name
  `.execute(db);
  const names = tables.rows.map((row) => row.table_name);
  expect(new Set(names).size).toBe(names.length);
  for (const table of [
    'customers',
    'api_keys',
    'credit_ledger',
    'workflows',
    'completions',
    'media_files',
    'uploads',
    'idempotency_keys',
    'jobs',
  ]) {
    expect(names).toContain(table);
  }
  // The schema works, not just exists.
  await db.insertInto('customers').values({ name: 'after migration' }).execute();
}

test('four instances migrating one empty database at once all succeed, and migrate it once', async () => {
  const url = await emptyDatabase();
  const instances = Array.from({ length: 4 }, () => createDatabase(url, { poolSize: 2 }));
  try {
    const results = await Promise.allSettled(instances.map((db) => migrateToLatest(db)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    await expectMigratedOnce(instances[0]!);
    // Again, on an up-to-date database: nothing to do, no error.
    await Promise.all(instances.map((db) => migrateToLatest(db)));
    await expectMigratedOnce(instances[1]!);
  } finally {
    await Promise.all(instances.map((db) => db.destroy()));
  }
});

test('three `framewright migrate` processes started at once all exit 0', async () => {
  const url = await emptyDatabase();
  const bucket = `fw-migrate-${randomBytes(6).toString('hex')}`;
  const env = {
    PATH: process.env['PATH'] ?? '',
    DATABASE_URL: url,
    S3_ENDPOINT: inject('s3Endpoint'),
    S3_BUCKET: bucket,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: inject('s3AccessKeyId'),
    AWS_SECRET_ACCESS_KEY: inject('s3SecretAccessKey'),
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
  const bin = path.resolve(import.meta.dirname, '../../bin/framewright.js');
  const runs = await Promise.all(
    Array.from(
      { length: 3 },
      () =>
        new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
          const child = spawn(process.execPath, [bin, 'migrate'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('error', reject);
          child.on('close', (code) => resolve({ code, stderr }));
        }),
    ),
  );
  expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
  const db = createDatabase(url, { poolSize: 2 });
  try {
    await expectMigratedOnce(db);
  } finally {
    await db.destroy();
  }
});
