import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Client, createClient, type SubscribePayload } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { schema } from '../../src/graphql/schema.ts';
import { SERVICE_MANIFEST, TrustedDocuments } from '../../src/http/trusted-documents.ts';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/harness.ts';

// Operations by hash (codegen's persisted-documents.json and the apps' manifests), and
// TRUSTED_DOCUMENTS=require: customer keys and anonymous callers send hashes only, over HTTP,
// SSE and graphql-ws alike; the admin key and GraphiQL on loopback still send documents.

const manifest = JSON.parse(readFileSync(SERVICE_MANIFEST, 'utf8')) as Record<string, string>;
const hashOf = (operationName: string): string => {
  const found = Object.entries(manifest).find(([, text]) => new RegExp(`^(query|mutation|subscription) ${operationName}\\b`).test(text));
  if (!found) throw new Error(`${operationName} is not in the manifest`);
  return found[0];
};
const ME = hashOf('ClientMe');
const UNKNOWN = `sha256:${'0'.repeat(64)}`;
const APP_DOCUMENT = 'query AppModelIds { models { id } }';
const APP_HASH = `sha256:${createHash('sha256').update(APP_DOCUMENT).digest('hex')}`;

interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

async function post(app: TestApp, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const codeOf = (answer: Answer) => answer.body.errors?.[0]?.extensions?.code;

/** One operation over graphql-ws: its data, or its errors' codes. */
async function overWebSocket(app: TestApp, payload: SubscribePayload & { documentId?: string }, key?: string) {
  const client: Client = createClient({
    url: app.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: key ? bearer(key) : undefined,
    retryAttempts: 0,
  });
  try {
    return await new Promise<{ data?: unknown; codes?: string[] }>((resolve, reject) => {
      let data: unknown;
      client.subscribe(payload, {
        next: (result) => {
          if (result.errors) resolve({ codes: result.errors.map((error) => String(error.extensions?.['code'])) });
          else data = result.data;
        },
        error: (error) =>
          Array.isArray(error)
            ? resolve({ codes: error.map((e: { extensions?: { code?: string } }) => String(e.extensions?.code)) })
            : reject(error),
        complete: () => resolve({ data }),
      });
    });
  } finally {
    await client.dispose();
  }
}

/** An SSE answer read whole: its HTTP status and the data of its `next` events. */
async function overSse(app: TestApp, body: unknown, key: string): Promise<{ status: number; text: string }> {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(key) },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

describe('TRUSTED_DOCUMENTS=require', () => {
  let app: TestApp;
  let key: string;
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'fw-trusted-'));
    const appManifest = path.join(directory, 'app-documents.json');
    await writeFile(appManifest, JSON.stringify({ [APP_HASH]: APP_DOCUMENT }));
    app = await startTestApp({ http: { trustedDocuments: 'require', trustedDocumentFiles: [appManifest] } });
    ({ apiKey: key } = await app.createCustomer(5, 'Hash customer'));
  });
  afterAll(async () => {
    await app?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  test('a customer key runs a codegen operation by documentId and by Apollo persistedQuery', async () => {
    const byId = await post(app, { documentId: ME }, bearer(key));
    expect(byId).toMatchObject({ status: 200, body: { data: { me: { name: 'Hash customer', credits: 5 } } } });
    const apollo = await post(app, { extensions: { persistedQuery: { version: 1, sha256Hash: ME.slice('sha256:'.length) } } }, bearer(key));
    expect(apollo.body.data).toEqual(byId.body.data);
  });

  test("an app's own manifest (TRUSTED_DOCUMENTS_FILES) is trusted too", async () => {
    const answer = await post(app, { documentId: APP_HASH });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({ models: expect.arrayContaining([{ id: expect.any(String) }]) });
  });

  test('a full document from a customer key or an anonymous caller: 400 PERSISTED_QUERY_ONLY', async () => {
    for (const headers of [bearer(key), {}]) {
      const answer = await post(app, { query: '{ models { id } }' }, headers);
      expect(answer.status).toBe(400);
      expect(codeOf(answer)).toBe('PERSISTED_QUERY_ONLY');
      expect(answer.body.data).toBeUndefined();
    }
  });

  test('an unknown hash: 400 PERSISTED_QUERY_NOT_FOUND', async () => {
    const answer = await post(app, { documentId: UNKNOWN }, bearer(key));
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  test('the admin key and GraphiQL on loopback still run documents', async () => {
    const admin = await post(app, { query: '{ models { id } }' }, bearer(ADMIN_KEY));
    expect(admin.status).toBe(200);
    const graphiql = await post(app, { query: 'query FromGraphiQL { me { name } }' }, { ...bearer(key), referer: app.url });
    expect(graphiql).toMatchObject({ status: 200, body: { data: { me: { name: 'Hash customer' } } } });
    // Through a reverse proxy on this machine, the socket is loopback but the caller is not.
    const proxied = await post(app, { query: '{ me { name } }' }, { ...bearer(key), referer: app.url, 'x-forwarded-for': '203.0.113.9' });
    expect(codeOf(proxied)).toBe('PERSISTED_QUERY_ONLY');
  });

  test('over SSE: by hash runs, a document and an unknown hash are refused with 400', async () => {
    const byHash = await overSse(app, { documentId: ME }, key);
    expect(byHash.status).toBe(200);
    expect(byHash.text).toContain('"name":"Hash customer"');
    for (const [body, code] of [
      [{ query: '{ me { name } }' }, 'PERSISTED_QUERY_ONLY'],
      [{ documentId: UNKNOWN }, 'PERSISTED_QUERY_NOT_FOUND'],
    ] as const) {
      const refused = await overSse(app, body, key);
      expect(refused.status).toBe(400);
      expect(refused.text).toContain(code);
    }
  });

  test('over graphql-ws: by hash runs; a document from a customer key and an unknown hash are refused', async () => {
    expect(await overWebSocket(app, { query: '', documentId: ME }, key)).toEqual({
      data: { me: { id: expect.any(String), name: 'Hash customer', credits: 5 } },
    });
    const apollo = { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: ME } } };
    expect((await overWebSocket(app, apollo, key)).data).toBeTruthy();
    expect(await overWebSocket(app, { query: '{ me { name } }' }, key)).toEqual({ codes: ['PERSISTED_QUERY_ONLY'] });
    expect(await overWebSocket(app, { query: '', documentId: UNKNOWN }, key)).toEqual({ codes: ['PERSISTED_QUERY_NOT_FOUND'] });
    expect(await overWebSocket(app, { query: '{ models { id } }' }, ADMIN_KEY)).toMatchObject({ data: { models: expect.any(Array) } });
  });
});

describe('TRUSTED_DOCUMENTS=allow (the default)', () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp();
    ({ apiKey: key } = await app.createCustomer(3, 'Either customer'));
  });
  afterAll(async () => {
    await app?.stop();
  });

  test('hashes and documents both run, and give the same answer', async () => {
    const byHash = await post(app, { documentId: ME }, bearer(key));
    const byDocument = await post(app, { query: manifest[ME] }, bearer(key));
    expect(byHash.status).toBe(200);
    expect(byHash.body).toEqual(byDocument.body);
    expect(await overWebSocket(app, { query: '{ me { name } }' }, key)).toEqual({ data: { me: { name: 'Either customer' } } });
  });

  test('an unknown hash is still PERSISTED_QUERY_NOT_FOUND (the client then sends the document)', async () => {
    const answer = await post(app, { documentId: UNKNOWN }, bearer(key));
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('loading manifests', () => {
  test('a manifest whose key is not the hash of its document stops the start', () => {
    const file = path.join(tmpdir(), `fw-bad-manifest-${process.pid}.json`);
    return writeFile(file, JSON.stringify({ [UNKNOWN]: APP_DOCUMENT })).then(() => {
      expect(() => TrustedDocuments.load(schema, [file])).toThrow(/not the sha256 hash/);
      return rm(file);
    });
  });

  test('a document that does not validate against the schema stops the start', async () => {
    const text = '{ noSuchField }';
    const file = path.join(tmpdir(), `fw-invalid-manifest-${process.pid}.json`);
    await writeFile(file, JSON.stringify({ [`sha256:${createHash('sha256').update(text).digest('hex')}`]: text }));
    expect(() => TrustedDocuments.load(schema, [file])).toThrow(/does not validate/);
    await rm(file);
  });
});
