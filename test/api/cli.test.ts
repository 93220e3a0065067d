import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { limits } from '../../src/config.ts';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { CreditsService } from '../../src/modules/credits/credits.service.ts';
import { CustomersService } from '../../src/modules/customers/customers.service.ts';
import { Storage } from '../../src/storage/s3.ts';
import { adminQuery, withDatabase } from '../helpers/databases.ts';

const keySettings = { keyCacheSeconds: 0, maxLiveKeysPerCustomer: limits.maxApiKeysPerCustomer };

const BIN = path.resolve(import.meta.dirname, '../../bin/framewright.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with exactly this environment (plus PATH), as an operator would. */
function framewright(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      cwd: path.dirname(BIN),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}

let dataDir: string;
let database: string;
let databaseUrl: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'framewright-cli-'));
  database = `framewright_cli_${randomBytes(6).toString('hex')}`;
  await adminQuery(inject('adminDatabaseUrl'), `CREATE DATABASE ${database} TEMPLATE ${inject('templateDatabase')}`);
  databaseUrl = withDatabase(inject('adminDatabaseUrl'), database);
  env = {
    DATABASE_URL: databaseUrl,
    S3_ENDPOINT: inject('s3Endpoint'),
    S3_BUCKET: `fw-cli-${randomBytes(6).toString('hex')}`,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: inject('s3AccessKeyId'),
    AWS_SECRET_ACCESS_KEY: inject('s3SecretAccessKey'),
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
    DATA_DIR: dataDir,
  };
});
afterAll(async () => {
  if (database) await adminQuery(inject('adminDatabaseUrl'), `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a bad setting', () => {
  test.each([
    ['PORT', 'abc', ['serve']],
    ['PORT', '70000', ['api']],
    ['WORKER_CONCURRENCY', '0', ['worker']],
    ['DATABASE_URL', 'mysql://x', ['migrate']],
    ['S3_ENDPOINT', 'not a url', ['api']],
    ['LOG_LEVEL', 'loud', ['customer', 'create', '--name', 'N']],
  ])('%s=%s is one line on stderr and exit code 2 (%j)', async (name, value, args) => {
    const run = await framewright(args, { ...env, [name]: value });
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain(name);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });

  test('a secret is named but never echoed', async () => {
    const secret = 'tooShortSecret';
    const run = await framewright(['migrate'], { ...env, ADMIN_API_KEY: secret });
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain('ADMIN_API_KEY');
    expect(run.stderr).not.toContain(secret);
  });

  test("a database URL's password is never echoed", async () => {
    const run = await framewright(['migrate'], { ...env, DATABASE_URL: 'mysql://bob:hunter2secret@db.example/app' });
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).not.toContain('hunter2secret');
  });
});

describe('customer create', () => {
  let db: Database;
  beforeAll(() => {
    db = createDatabase(databaseUrl, { poolSize: 2 });
  });
  afterAll(() => db?.destroy());

  test('prints one JSON line {customerId, apiKey}, and the key works', async () => {
    const run = await framewright(['customer', 'create', '--name', 'CLI customer', '--credits', '5'], env);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toHaveLength(1);
    expect(run.stdout.endsWith('\n')).toBe(true);
    const printed = JSON.parse(run.stdout) as { customerId: string; apiKey: string };
    expect(Object.keys(printed).sort()).toEqual(['apiKey', 'customerId']);

    const credits = new CreditsService(db);
    const customers = new CustomersService(db, credits, undefined, keySettings);
    expect(await customers.authenticate(`Bearer ${printed.apiKey}`)).toEqual({
      kind: 'customer',
      customerId: printed.customerId,
      keyId: expect.any(String),
    });
    expect(await customers.get(printed.customerId)).toMatchObject({ id: printed.customerId, name: 'CLI customer', credits: 5 });
    expect(await credits.ledgerSum(printed.customerId)).toBe(5);

    // The bucket it was given did not exist; starting made it.
    const storage = new Storage({
      endpoint: env['S3_ENDPOINT'],
      region: 'us-east-1',
      bucket: env['S3_BUCKET']!,
      forcePathStyle: true,
      accessKeyId: env['AWS_ACCESS_KEY_ID'],
      secretAccessKey: env['AWS_SECRET_ACCESS_KEY'],
    });
    try {
      await expect(storage.ping()).resolves.toBeUndefined();
    } finally {
      storage.destroy();
    }
  });

  test('without --credits the customer starts at 0', async () => {
    const run = await framewright(['customer', 'create', '--name', 'Zero'], env);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as { customerId: string };
    expect((await new CustomersService(db, new CreditsService(db), undefined, keySettings).get(printed.customerId)).credits).toBe(0);
  });

  test.each([
    ['without --name', ['customer', 'create']],
    ['with --credits -1', ['customer', 'create', '--name', 'N', '--credits', '-1']],
    ['with --credits abc', ['customer', 'create', '--name', 'N', '--credits', 'abc']],
    ['with an unknown command', ['customer', 'delete']],
  ])('%s exits with code 2 and prints nothing on stdout', async (_case, args) => {
    const before = await db
      .selectFrom('customers')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const run = await framewright(args, env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.length).toBeGreaterThan(0);
    const after = await db
      .selectFrom('customers')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  test('an empty --name is one clear line on stderr and exit code 2', async () => {
    const run = await framewright(['customer', 'create', '--name', ''], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    // Starting the S3 client may add Node's own warning (the AWS SDK's notice about Node 20); ours is one line.
    expect(lines(run.stderr).filter((line) => line.startsWith('framewright:'))).toEqual(['framewright: --name must not be empty']);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
