import http from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { limits } from '../../src/config.ts';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/harness.ts';
import { postGraphQL } from './raw-clients.ts';

const METRICS_TOKEN = 'metrics-token-0123456789';
let app: TestApp;
let origin: string;

beforeAll(async () => {
  app = await startTestApp({ http: { metricsToken: METRICS_TOKEN, corsOrigins: ['https://app.example.com'] } });
  origin = new URL(app.url).origin;
});
afterAll(() => app?.stop());

const metrics = (authorization?: string) => fetch(`${origin}/metrics`, { headers: authorization ? { authorization } : {} });

/**
 * A GET whose request target goes out byte for byte: fetch (like any URL-based client) would
 * turn `/./metrics` into `/metrics` before sending, hiding what a hostile client can send.
 */
function rawGet(at: string, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(at);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path: target, headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** Request targets that name /metrics only once normalised the way a URL parser does. */
const NON_CANONICAL_METRICS = [
  '/./metrics',
  '/%2E/metrics',
  '/graphql/../metrics',
  '/%2e%2E/metrics',
  '/graphql\\..\\metrics',
  '/metrics#x',
];

describe('/metrics', () => {
  test('with METRICS_TOKEN set: 401 without it or with a wrong one; the scraper with it gets the text', async () => {
    expect((await metrics()).status).toBe(401);
    expect((await metrics('Bearer wrong-token-0123456789')).status).toBe(401);
    expect((await metrics(`Bearer ${ADMIN_KEY}`)).status).toBe(401);
    const allowed = await metrics(`Bearer ${METRICS_TOKEN}`);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/^# HELP graphql_/m);
  });

  test('a non-canonical path to /metrics is held to the token like /metrics itself', async () => {
    for (const target of NON_CANONICAL_METRICS) {
      const refused = await rawGet(origin, target);
      expect(refused.status, target).toBe(401);
      expect(refused.body, target).not.toContain('# HELP');
      expect((await rawGet(origin, target, { authorization: 'Bearer wrong-token-0123456789' })).status, target).toBe(401);
      const allowed = await rawGet(origin, target, { authorization: `Bearer ${METRICS_TOKEN}` });
      expect(allowed.status, target).toBe(200);
      expect(allowed.body, target).toMatch(/^# HELP graphql_/m);
    }
  });

  test('only our route serves metrics: a Host header that makes yoga read another path gets none', async () => {
    // yoga builds its URL from the Host header and the target: "http://x/metrics?/graphql" reads as /metrics.
    const sneaky = await rawGet(origin, '/graphql', { host: 'x/metrics?' });
    expect(sneaky.body).not.toContain('# HELP');
    expect(sneaky.status).not.toBe(200);
  });

  test('a target that is not a path (an absolute URL, *) is 400 BAD_REQUEST, never metrics', async () => {
    for (const target of ['http://x/metrics', '*']) {
      const refused = await rawGet(origin, target);
      expect(refused.status, target).toBe(400);
      expect(refused.body, target).toContain('BAD_REQUEST');
    }
  });

  test('without METRICS_TOKEN, /metrics and its non-canonical forms are open', async () => {
    const open = await startTestApp();
    try {
      const openOrigin = new URL(open.url).origin;
      const response = await fetch(`${openOrigin}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toMatch(/^# HELP graphql_/m);
      for (const target of NON_CANONICAL_METRICS) {
        const served = await rawGet(openOrigin, target);
        expect(served.status, target).toBe(200);
        expect(served.body, target).toMatch(/^# HELP graphql_/m);
      }
    } finally {
      await open.stop();
    }
  });

  test('unique URLs and operation names do not grow the label sets past their bounds', async () => {
    const names = 150;
    for (let batch = 0; batch < names; batch += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          postGraphQL(`${app.url}?cache-buster=${batch + i}-${'u'.repeat(200)}`, {
            query: `query Op_${batch + i} { models { id } }`,
            variables: { v: `value-${batch + i}` },
          }),
        ),
      );
    }
    // A name no legitimate client sends: long and not a GraphQL name.
    await postGraphQL(app.url, { query: `query ${'N'.repeat(300)} { models { id } }` });
    const text = await (await metrics(`Bearer ${METRICS_TOKEN}`)).text();
    expect(text).not.toContain('cache-buster');
    expect(text).not.toContain('value-');
    expect(text).not.toMatch(/\burl="/);
    expect(text).not.toMatch(/\bpath="/);
    expect(text).not.toContain('N'.repeat(100));
    const operationNames = new Set([...text.matchAll(/operationName="([^"]*)"/g)].map((m) => m[1]));
    expect(operationNames.size).toBeLessThanOrEqual(102);
    expect(operationNames).toContain('other');
    expect(operationNames).toContain('Op_0');
  });
});

describe('CORS', () => {
  test('an allowed origin is answered without credentials; another origin is not echoed', async () => {
    const preflight = (from: string) =>
      fetch(app.url, {
        method: 'OPTIONS',
        headers: { origin: from, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
  });

  test('the default (*) never adds credentials', async () => {
    const open = await startTestApp();
    try {
      const response = await fetch(open.url, {
        method: 'OPTIONS',
        headers: { origin: 'https://anyone.example', 'access-control-request-method': 'POST' },
      });
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await open.stop();
    }
  });
});

describe('CSRF prevention', () => {
  const form = () => {
    const body = new FormData();
    body.set('operations', JSON.stringify({ query: '{ models { id } }' }));
    body.set('map', '{}');
    return body;
  };

  test('a multipart or form post without a preflight header is refused; with the header it is served', async () => {
    const multipart = await fetch(app.url, { method: 'POST', body: form() });
    expect(multipart.status).toBe(403);
    expect(await multipart.text()).toContain('CSRF');
    const urlencoded = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=%7B%20models%20%7B%20id%20%7D%20%7D',
    });
    expect(urlencoded.status).toBe(403);
    const withHeader = await fetch(app.url, { method: 'POST', headers: { 'graphql-require-preflight': '1' }, body: form() });
    expect(withHeader.status).toBe(200);
  });
});

describe('error bodies', () => {
  test('malformed JSON is a short safe message with a code, no parser details', async () => {
    const response = await postGraphQL(app.url, '{"query": "{ models { id } }", "variables": {"a": tru');
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.message).toBe('POST body sent invalid JSON.');
    expect(response.body.errors?.[0]?.extensions?.['code']).toBe('BAD_REQUEST');
    expect(response.text).not.toContain('originalError');
    expect(response.text).not.toMatch(/SyntaxError|position \d+|Unexpected token/);
  });

  test('a 1 MB value is not echoed back in the error message', async () => {
    const query = 'query($filter: WorkflowFilter) { workflows(filter: $filter) { edges { cursor } } }';
    const response = await postGraphQL(
      app.url,
      { query, variables: { filter: { processingStatus: 'x'.repeat(1024 * 1024) } } },
      { authorization: `Bearer ${ADMIN_KEY}` },
    );
    expect(response.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.message).toMatch(/processingStatus/);
    expect(response.text.length).toBeLessThan(2000);
  });

  test('schema hints ("Did you mean") are not given to callers', async () => {
    const response = await postGraphQL(app.url, { query: '{ workflowz(id: "x") { __typename } }' });
    expect(response.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.text).not.toMatch(/Did you mean/);
  });
});

describe('logging of bad keys', () => {
  test('a bad key is one warn line without a stack, never an error', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logged = buildApp({
      services: app.services,
      db: app.db,
      storage: app.storage,
      logger: pino({ level: 'debug' }, sink),
      limits,
      databaseUrl: app.databaseUrl,
      shutdownGraceMs: 1000,
    });
    const port = await logged.listen(0, '127.0.0.1');
    try {
      const response = await postGraphQL(
        `http://127.0.0.1:${port}/graphql`,
        { query: '{ models { id } }' },
        { authorization: 'Bearer fw_neverIssued000000000000000000000000' },
      );
      expect(response.status).toBe(401);
      const aboutTheKey = lines.filter((line) => JSON.stringify(line).includes('API key'));
      expect(aboutTheKey).toHaveLength(1);
      expect(aboutTheKey[0]!['level']).toBe(40);
      expect(JSON.stringify(lines)).not.toContain('"stack"');
      expect(lines.filter((line) => Number(line['level']) >= 50)).toEqual([]);
    } finally {
      await logged.stop();
    }
  });
});
