import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { expectDocumentedResponse } from './openapi-check.ts';

// Generated bodies and queries through every REST route: whatever arrives, the answer is one the
// OpenAPI document describes, with a 4xx or a 2xx status, never a 5xx.

const RUNS = 100;

let app: TestApp;
let key: string;
let workflowId: string;
beforeAll(async () => {
  app = await startTestApp({ limits: { errorLogRatePerSecond: 10_000 } });
  const customer = await app.createCustomer(1000);
  key = customer.apiKey;
  workflowId = (await createWorkflowFor(app, customer.customerId, { title: 'Fuzzed' })).id;
});
afterAll(() => app?.stop());

const text = fc.oneof(fc.string(), fc.constantFrom('', '0', '1', 'image', 'video', '16:9', 'vim_new_year_2026', '\u0000', 'x'.repeat(300)));
const value = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string(), text, { maxKeys: 3 }));
const field = (names: string[]) =>
  fc.dictionary(
    fc.oneof(fc.constantFrom(...names), fc.string()),
    fc.oneof(value, fc.record({ aspect_ratio: value, pipeline_mode: value })),
    {
      maxKeys: 6,
    },
  );
const createFields = ['title', 'description', 'visibility_status', 'model', 'options', 'primary_user_id', 'customer_id', 'upload_id'];
const body = (names: string[]) =>
  fc.oneof(
    field(names),
    fc.jsonValue().map((json) => json as unknown),
    fc.string().map((raw) => ({ raw })),
  );

async function send(method: string, path: string, template: string, payload: unknown): Promise<void> {
  const raw = typeof payload === 'object' && payload !== null && 'raw' in payload ? String(payload.raw) : JSON.stringify(payload);
  const response = await fetch(`${app.url.replace(/\/graphql$/, '')}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : raw,
  });
  const answer = await response.text();
  expect(response.status, answer).toBeLessThan(500);
  expectDocumentedResponse(method, template, response.status, JSON.parse(answer));
}

test('POST /v1/workflows (JSON), PATCH /v1/workflows/{id}, POST /v1/error-logs', async () => {
  await fc.assert(
    fc.asyncProperty(body(createFields), (payload) => send('POST', '/v1/workflows', '/v1/workflows', payload)),
    { numRuns: RUNS },
  );
  await fc.assert(
    fc.asyncProperty(body(['title', 'description', 'visibility_status', 'primary_user_id']), (payload) =>
      send('PATCH', `/v1/workflows/${workflowId}`, '/v1/workflows/{id}', payload),
    ),
    { numRuns: RUNS },
  );
  await fc.assert(
    fc.asyncProperty(body(['message', 'level', 'script', 'stack', 'occurred_at', 'context', 'customer_id']), (payload) =>
      send('POST', '/v1/error-logs', '/v1/error-logs', payload),
    ),
    { numRuns: RUNS },
  );
});

test('GET /v1/workflows and /v1/workflows/{id} with any query and id', async () => {
  await fc.assert(
    fc.asyncProperty(fc.string(), fc.string(), (limit, cursor) =>
      send('GET', `/v1/workflows?limit=${encodeURIComponent(limit)}&cursor=${encodeURIComponent(cursor)}`, '/v1/workflows', undefined),
    ),
    { numRuns: RUNS },
  );
  await fc.assert(
    fc.asyncProperty(fc.string({ minLength: 1 }), (id) =>
      send('GET', `/v1/workflows/${encodeURIComponent(id)}`, '/v1/workflows/{id}', undefined),
    ),
    { numRuns: RUNS },
  );
});

test('POST /v1/workflows (multipart): any parts, and bodies that only claim to be multipart', async () => {
  const partName = fc.oneof(
    fc.constantFrom(...createFields, 'image', 'options[aspect_ratio]', 'options[pipeline_mode]', 'options[x]'),
    fc.string(),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(partName, text, fc.boolean()), { maxLength: 8 }), async (parts) => {
      const form = new FormData();
      for (const [name, content, asFile] of parts) {
        if (asFile) form.append(name, new Blob([content]), 'part.bin');
        else form.append(name, content);
      }
      const response = await fetch(`${app.url.replace(/\/graphql$/, '')}/v1/workflows`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: form,
      });
      const answer = await response.text();
      expect(response.status, answer).toBeLessThan(500);
      expectDocumentedResponse('POST', '/v1/workflows', response.status, JSON.parse(answer));
    }),
    { numRuns: RUNS },
  );
  await fc.assert(
    fc.asyncProperty(fc.string(), fc.string(), async (boundary, raw) => {
      const response = await fetch(`${app.url.replace(/\/graphql$/, '')}/v1/workflows`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${encodeURIComponent(boundary)}` },
        body: raw,
      });
      const answer = await response.text();
      expect(response.status, answer).toBeLessThan(500);
      expectDocumentedResponse('POST', '/v1/workflows', response.status, JSON.parse(answer));
    }),
    { numRuns: RUNS },
  );
});
