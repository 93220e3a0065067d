import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { limits } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { Storage } from '../../src/storage/s3.ts';
import { graphql } from '../gql/index.ts';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/harness.ts';
import { GrantCredits, ListWorkflows, Me } from '../operations.ts';

const ModelIdsForMetrics = graphql(`
  query ModelIdsForMetrics {
    models {
      id
    }
  }
`);

let app: TestApp;
let origin: string;
let customer: { customerId: string; apiKey: string };

beforeAll(async () => {
  app = await startTestApp();
  origin = new URL(app.url).origin;
  customer = await app.createCustomer(5);
});
afterAll(() => app?.stop());

describe('health and metrics', () => {
  test('GET /healthz is 200', async () => {
    const response = await fetch(`${origin}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  test('GET /readyz is 200 with the database and the bucket ok (the parts for the admin key only)', async () => {
    const response = await fetch(`${origin}/readyz`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', database: 'ok', bucket: 'ok' });
    const anonymous = await fetch(`${origin}/readyz`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ status: 'ready' });
  });

  test('GET /readyz is 503 when the bucket does not answer', async () => {
    const storage = new Storage({
      endpoint: inject('s3Endpoint'),
      region: 'us-east-1',
      bucket: `fw-missing-${randomBytes(6).toString('hex')}`,
      forcePathStyle: true,
      accessKeyId: inject('s3AccessKeyId'),
      secretAccessKey: inject('s3SecretAccessKey'),
    });
    const broken = buildApp({
      services: app.services,
      db: app.db,
      storage,
      logger: createLogger('silent'),
      limits,
      databaseUrl: app.databaseUrl,
      shutdownGraceMs: 1000,
    });
    const port = await broken.listen(0, '127.0.0.1');
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; database: string; bucket: string };
      expect(body.status).toBe('not ready');
      expect(body.database).toBe('ok');
      expect(body.bucket).toMatch(/^failing/);
      // Anyone else learns that it is not ready, not why (the reason names buckets and hosts).
      for (const headers of [{}, { authorization: `Bearer ${customer.apiKey}` }] as Array<Record<string, string>>) {
        const other = await fetch(`http://127.0.0.1:${port}/readyz`, { headers });
        expect(other.status).toBe(503);
        expect(await other.json()).toEqual({ status: 'not ready' });
      }
    } finally {
      await broken.stop();
      storage.destroy();
    }
  });

  test('GET /metrics is Prometheus text with GraphQL metrics after a query', async () => {
    const query = await app.gql(ModelIdsForMetrics, {});
    expect(query.errors).toBeUndefined();
    const response = await fetch(`${origin}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^# HELP graphql_\w+ /m);
    expect(text).toMatch(/^# TYPE graphql_\w+ (histogram|counter|summary|gauge)$/m);
    // The operation we sent is counted under its name.
    expect(text).toMatch(/^graphql_\w+\{[^}]*operationName="ModelIdsForMetrics"[^}]*\} \d/m);
  });
});

describe('GraphiQL', () => {
  test('GET /graphql from a browser serves GraphiQL', async () => {
    const response = await fetch(`${origin}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toMatch(/<html/i);
    expect(html.toLowerCase()).toContain('graphiql');
    expect(html).toContain('Framewright');
  });

  test('the GraphiQL page loads nothing from another host: its scripts and styles are served here', async () => {
    const html = await (await fetch(`${origin}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = [...html.matchAll(/\/graphiql\/assets\/[\w.]+\?v=[\w.-]+/g)].map(([path]) => path);
    expect(assets.length).toBeGreaterThanOrEqual(5);
    for (const path of assets) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toMatch(/^text\/(javascript|css)/);
      await response.arrayBuffer();
    }
    expect((await fetch(`${origin}/graphiql/assets/nothing.js`)).status).toBe(404);
  });

  test('GET /graphql with a query (and the CSRF preflight header) still answers JSON', async () => {
    const response = await fetch(`${origin}/graphql?query=${encodeURIComponent('{ models { id } }')}`, {
      headers: { accept: 'application/json', 'graphql-require-preflight': '1' },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { models: Array<{ id: string }> } };
    expect(body.data.models.map((m) => m.id)).toContain('vim_new_year_2026');
  });
});

describe('request size', () => {
  const limit = 4096;
  let small: TestApp;
  beforeAll(async () => {
    small = await startTestApp({ limits: { maxRequestBytes: limit } });
  });
  afterAll(() => small?.stop());

  const body = (padding: number) => JSON.stringify({ query: `{ models { id } }\n#${'x'.repeat(padding)}` });

  test('a body under the limit is served', async () => {
    const payload = body(limit - 200);
    expect(payload.length).toBeLessThan(limit);
    const response = await fetch(small.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
    expect(response.status).toBe(200);
  });

  test('a body over the limit is 413', async () => {
    const payload = body(limit * 4);
    const response = await fetch(small.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
    expect(response.status).toBe(413);
    await response.body?.cancel();
  });

  test('a chunked body over the limit (no Content-Length) is 413', async () => {
    const chunk = new TextEncoder().encode(body(1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= limit * 8) return controller.close();
        // The first chunk starts a JSON document; the rest keep the stream going past the limit.
        controller.enqueue(sent === 0 ? chunk : new TextEncoder().encode(' '.repeat(1024)));
        sent += 1024;
      },
    });
    const response = await fetch(small.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    await response.body?.cancel();
  });
});

describe('unexpected failures', () => {
  test('are masked: INTERNAL_SERVER_ERROR, no stack, no database detail', async () => {
    await sql`ALTER TABLE workflows RENAME TO workflows_away`.execute(app.db);
    const previous = process.env['NODE_ENV'];
    try {
      for (const nodeEnv of ['production', 'development']) {
        // Even a process started with NODE_ENV=development must not hand out stack traces.
        process.env['NODE_ENV'] = nodeEnv;
        const response = await app.gql(ListWorkflows, {}, { key: customer.apiKey });
        expect(response.data ?? null).toBeNull();
        expect(response.errors).toHaveLength(1);
        expect(response.errors![0]!.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
        const text = JSON.stringify(response);
        expect(text).not.toMatch(/stack/i);
        expect(text).not.toContain('workflows_away');
        expect(text).not.toMatch(/relation|does not exist|\.ts:\d+/);
      }
    } finally {
      if (previous === undefined) delete process.env['NODE_ENV'];
      else process.env['NODE_ENV'] = previous;
      await sql`ALTER TABLE workflows_away RENAME TO workflows`.execute(app.db);
    }
    // The failure was the request's alone: the app goes on serving.
    const after = await app.gql(ListWorkflows, {}, { key: customer.apiKey });
    expect(after.errors).toBeUndefined();
    expect((await app.gql(Me, {}, { key: customer.apiKey })).data?.me.id).toBe(customer.customerId);
  });

  // Destructive: runs last in this file.
  test('a dropped table is masked too, and the transaction leaves nothing half done', async () => {
    await sql`DROP TABLE credit_ledger`.execute(app.db);
    const response = await app.gql(GrantCredits, { customerId: customer.customerId, amount: 7 }, { key: ADMIN_KEY });
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.[0]?.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
    expect(response.errors?.[0]?.message).toBe('Unexpected error.');
    expect(JSON.stringify(response)).not.toMatch(/stack|credit_ledger|relation/i);
    expect((await app.services.customers.get(customer.customerId)).credits).toBe(5);
  });
});
