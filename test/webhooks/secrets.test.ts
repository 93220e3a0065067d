import { randomBytes } from 'node:crypto';
import { Migrator, sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { createDatabase } from '../../src/db/database.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { openSecret, SecretKeyMismatchError } from '../../src/modules/webhooks/secret-box.ts';
import { signatureHeader, verifySignature } from '../../src/modules/webhooks/signature.ts';
import { framewright } from '../cli/run-cli.ts';
import { adminQuery, withDatabase } from '../helpers/databases.ts';
import { startTestApp, type TestApp, WEBHOOK_SECRET_KEY } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { CreateWebhookEndpoint, RotateWebhookSecret } from './operations.ts';
import { type Receiver, startReceiver } from './receiver.ts';

// Signing secrets: encrypted at rest, rotated with a window in which both sign, and the plain ones
// of an older version encrypted when a process starts.

let app: TestApp;
/** The app's clock runs this far ahead of the real one: tests move it past a secret's expiry. */
let clockOffsetMs = 0;
const receivers: Receiver[] = [];

beforeAll(async () => {
  app = await startTestApp({ clock: () => new Date(Date.now() + clockOffsetMs) });
});

afterEach(async () => {
  clockOffsetMs = 0;
  for (const receiver of receivers.splice(0)) await receiver.close();
});

afterAll(async () => {
  await app.stop();
});

async function endpointFor(apiKey: string, url: string) {
  const response = await app.gql(CreateWebhookEndpoint, { input: { url, events: ['WORKFLOW_CANCELED'] } }, { key: apiKey });
  const created = response.data?.createWebhookEndpoint;
  if (created?.__typename !== 'CreateWebhookEndpointPayload') throw new Error(`no endpoint: ${JSON.stringify(response)}`);
  return { id: created.endpoint.id, secret: created.signingSecret };
}

async function rotate(apiKey: string, id: string, expireOldAfterSeconds?: number | null) {
  return (await app.gql(RotateWebhookSecret, { id, expireOldAfterSeconds }, { key: apiKey })).data?.rotateWebhookSecret;
}

async function rotated(apiKey: string, id: string, expireOldAfterSeconds?: number) {
  const result = await rotate(apiKey, id, expireOldAfterSeconds);
  if (result?.__typename !== 'RotateWebhookSecretPayload') throw new Error(`not rotated: ${JSON.stringify(result)}`);
  return result;
}

function endpointRow(id: string) {
  return app.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** A canceled workflow of the customer's, delivered by a worker: the request its endpoint received. */
async function deliveredCancellation(customerId: string, target: Receiver) {
  const already = target.requests.length;
  const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
  await app.services.workflows.cancel({ kind: 'customer', customerId }, workflow.id);
  const worker = app.startWorker({ concurrency: 1 });
  try {
    return (await target.waitFor(already + 1))[already]!;
  } finally {
    await worker.stop(0);
  }
}

describe('at rest', () => {
  test('the table holds no signing secret in plain text, new or rotated, only ciphertexts WEBHOOK_SECRET_KEY opens', async () => {
    const { apiKey } = await app.createCustomer(0);
    const first = await endpointFor(apiKey, 'http://127.0.0.1:9/first');
    const second = await endpointFor(apiKey, 'http://127.0.0.1:9/second');
    const third = (await rotated(apiKey, first.id, 3600)).signingSecret;
    const issued = [first.secret, second.secret, third];
    expect(issued.every((secret) => secret.startsWith('whsec_'))).toBe(true);

    // Every column of every row, as text: what a dump of the table would show.
    const rows = await sql<{ row: string }>`SELECT row_to_json(e)::text AS row FROM webhook_endpoints e`.execute(app.db);
    const dump = rows.rows.map((r) => r.row).join('\n');
    for (const secret of issued) expect(dump).not.toContain(secret);
    expect(dump).not.toContain('whsec_');

    const rotatedRow = await endpointRow(first.id);
    expect(rotatedRow.signing_secret).toMatch(/^enc1:/);
    expect(rotatedRow.previous_signing_secret).toMatch(/^enc1:/);
    expect(openSecret(WEBHOOK_SECRET_KEY, rotatedRow.signing_secret)).toBe(third);
    expect(openSecret(WEBHOOK_SECRET_KEY, rotatedRow.previous_signing_secret!)).toBe(first.secret);
    expect(openSecret(WEBHOOK_SECRET_KEY, (await endpointRow(second.id)).signing_secret)).toBe(second.secret);
    expect(() => openSecret(randomBytes(32), rotatedRow.signing_secret)).toThrow(SecretKeyMismatchError);
  });

  test('PostgreSQL itself refuses a secret written in plain text', async () => {
    const { customerId } = await app.createCustomer(0);
    await expect(
      app.db
        .insertInto('webhook_endpoints')
        .values({ customer_id: customerId, url: 'http://127.0.0.1:9/x', events: ['WORKFLOW_CANCELED'], signing_secret: 'whsec_plain' })
        .execute(),
    ).rejects.toThrow(/webhook_endpoints_secret_sealed/);
  });
});

describe('rotateWebhookSecret', () => {
  test("a rotated endpoint's deliveries verify with either secret until the old one expires, then with the new one only", async () => {
    const target = await startReceiver();
    receivers.push(target);
    const { customerId, apiKey } = await app.createCustomer(5);
    const { id, secret: oldSecret } = await endpointFor(apiKey, target.url);
    const rotation = await rotated(apiKey, id, 3600);
    const newSecret = rotation.signingSecret;
    expect(newSecret).not.toBe(oldSecret);
    expect(rotation.endpoint.id).toBe(id);
    const expiresAt = new Date(rotation.previousSecretExpiresAt as string).getTime();
    expect(Math.abs(expiresAt - (Date.now() + 3600_000))).toBeLessThan(60_000);

    const during = await deliveredCancellation(customerId, target);
    const bothSigned = String(during.headers['framewright-signature']);
    expect(bothSigned).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    // Newest first, as the header promises.
    const t = Number(/^t=(\d+)/.exec(bothSigned)![1]);
    expect(bothSigned).toBe(signatureHeader([newSecret, oldSecret], during.body, t));
    expect(verifySignature(newSecret, during.body, bothSigned)).toBe(true);
    expect(verifySignature(oldSecret, during.body, bothSigned)).toBe(true);
    expect(verifySignature('whsec_neither', during.body, bothSigned)).toBe(false);

    clockOffsetMs = 3601_000;
    const after = await deliveredCancellation(customerId, target);
    const newOnly = String(after.headers['framewright-signature']);
    expect(newOnly).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(newSecret, after.body, newOnly)).toBe(true);
    expect(verifySignature(oldSecret, after.body, newOnly)).toBe(false);

    // The maintenance sweep then forgets the expired one.
    expect(await app.services.webhooks.forgetExpiredSecrets()).toBeGreaterThanOrEqual(1);
    expect(await endpointRow(id)).toMatchObject({ previous_signing_secret: null, previous_secret_expires_at: null });
  });

  test('expireOldAfterSeconds 0 stops the old secret at once; rotating twice keeps only the latest previous one', async () => {
    const { apiKey } = await app.createCustomer(0);
    const { id, secret: first } = await endpointFor(apiKey, 'http://127.0.0.1:9/hook');
    const immediate = await rotated(apiKey, id, 0);
    expect(immediate.previousSecretExpiresAt).toBeNull();
    expect(await endpointRow(id)).toMatchObject({ previous_signing_secret: null, previous_secret_expires_at: null });

    const second = immediate.signingSecret;
    const third = (await rotated(apiKey, id)).signingSecret;
    const fourth = (await rotated(apiKey, id)).signingSecret;
    const row = await endpointRow(id);
    expect(openSecret(WEBHOOK_SECRET_KEY, row.signing_secret)).toBe(fourth);
    expect(openSecret(WEBHOOK_SECRET_KEY, row.previous_signing_secret!)).toBe(third);
    expect(new Set([first, second, third, fourth]).size).toBe(4);
  });

  test('a bad expireOldAfterSeconds, a malformed id or another customer’s endpoint changes nothing', async () => {
    const alice = await app.createCustomer(0);
    const bob = await app.createCustomer(0);
    const { id } = await endpointFor(alice.apiKey, 'http://127.0.0.1:9/hook');
    const before = await endpointRow(id);
    for (const seconds of [-1, 86_401]) {
      expect(await rotate(alice.apiKey, id, seconds)).toMatchObject({
        __typename: 'ValidationError',
        fieldErrors: [{ field: 'expireOldAfterSeconds', message: 'must be a whole number of seconds from 0 to 86400' }],
      });
    }
    expect(await rotate(alice.apiKey, 'not-a-uuid')).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ field: 'id' }] });
    expect(await rotate(bob.apiKey, id)).toMatchObject({ __typename: 'NotFoundError' });
    expect(await endpointRow(id)).toEqual(before);
  });
});

describe('secrets stored in plain text by an older version', () => {
  const created: string[] = [];
  afterAll(async () => {
    for (const name of created) await adminQuery(inject('adminDatabaseUrl'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  test('are encrypted when a process starts (once; later starts change nothing), and a wrong key stops the start', async () => {
    const name = `framewright_secrets_${randomBytes(6).toString('hex')}`;
    await adminQuery(inject('adminDatabaseUrl'), `CREATE DATABASE ${name}`);
    created.push(name);
    const url = withDatabase(inject('adminDatabaseUrl'), name);
    // The database as the version before encryption left it: migrated up to then, a plain secret in it.
    const db = createDatabase(url, { poolSize: 1 });
    try {
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      const { error } = await migrator.migrateTo('20261201T1200-api-key-minted-by');
      expect(error).toBeUndefined();
      await sql`INSERT INTO customers (name) VALUES ('legacy')`.execute(db);
      await sql`INSERT INTO webhook_endpoints (customer_id, url, events, signing_secret)
        SELECT id, 'https://example.com/hook', ARRAY['WORKFLOW_SUCCEEDED'], 'whsec_legacy' FROM customers`.execute(db);

      const env = {
        DATABASE_URL: url,
        S3_ENDPOINT: inject('s3Endpoint'),
        S3_BUCKET: `fw-secrets-${randomBytes(6).toString('hex')}`,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: inject('s3AccessKeyId'),
        AWS_SECRET_ACCESS_KEY: inject('s3SecretAccessKey'),
        WEBHOOK_SECRET_KEY: WEBHOOK_SECRET_KEY.toString('base64'),
        LOG_LEVEL: 'warn',
      };
      const stored = async () =>
        (await sql<{ signing_secret: string }>`SELECT signing_secret FROM webhook_endpoints`.execute(db)).rows[0]!.signing_secret;

      const first = await framewright(['migrate'], env);
      expect(first.code, first.stderr).toBe(0);
      const sealed = await stored();
      expect(sealed).toMatch(/^enc1:/);
      expect(openSecret(WEBHOOK_SECRET_KEY, sealed)).toBe('whsec_legacy');

      const again = await framewright(['migrate'], env);
      expect(again.code, again.stderr).toBe(0);
      expect(await stored()).toBe(sealed);

      const otherKey = await framewright(['migrate'], { ...env, WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64') });
      expect(otherKey.code).not.toBe(0);
      expect(otherKey.stderr).toMatch(/does not decrypt with WEBHOOK_SECRET_KEY/);
      expect(await stored()).toBe(sealed);
    } finally {
      await db.destroy();
    }
  });
});
