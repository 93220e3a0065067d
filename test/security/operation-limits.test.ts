import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { limits } from '../../src/config.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { firstAnswer, firstSseEvent, openRawSocket, postGraphQL } from './raw-clients.ts';

let app: TestApp;
let publicId: string;
let customer: { customerId: string; apiKey: string };

beforeAll(async () => {
  app = await startTestApp();
  customer = await app.createCustomer(10);
  publicId = (await createWorkflowFor(app, customer.customerId, { visibilityStatus: 'PUBLIC' })).id;
});
afterAll(() => app?.stop());

const heavySelection = 'completions { result { url } } source { url } result';
const aliasFlood = (count: number) =>
  `{ ${Array.from({ length: count }, (_, i) => `w${i}: workflow(id: "${publicId}") { ... on Workflow { ${heavySelection} } }`).join(' ')} }`;
const normalQuery = () => ({ query: `{ workflow(id: "${publicId}") { __typename ... on Workflow { id ${heavySelection} } } }` });

function expectRefused(response: Awaited<ReturnType<typeof postGraphQL>>, limit: string) {
  expect(response.status).toBe(400);
  expect(response.body.data ?? null).toBeNull();
  expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit });
}

describe('an alias flood (no key)', () => {
  test('4,000 aliases of a PUBLIC workflow are refused before running; a normal request at the same time is answered', async () => {
    const [flood, normal] = await Promise.all([postGraphQL(app.url, { query: aliasFlood(4000) }), postGraphQL(app.url, normalQuery())]);
    // 4,000 aliases pass no limit (tokens, aliases, root fields, cost): whichever refuses first suffices.
    expect(flood.status).toBe(400);
    expect(flood.body.data ?? null).toBeNull();
    expect(flood.body.errors?.map((e) => e.extensions?.['code'])).toContain('QUERY_LIMIT_EXCEEDED');
    expect(flood.text.length).toBeLessThan(10_000);
    expect(normal.status).toBe(200);
    expect(normal.body.data?.['workflow']).toMatchObject({ __typename: 'Workflow', id: publicId });
  });

  test('aliases past MAX_ALIASES are refused with the limit named', async () => {
    const query = `{ workflow(id: "${publicId}") { __typename ${Array.from({ length: limits.maxAliases + 1 }, (_, i) => `t${i}: __typename`).join(' ')} ... on Workflow { ${Array.from({ length: limits.maxAliases + 1 }, (_, i) => `i${i}: id`).join(' ')} } } }`;
    expectRefused(await postGraphQL(app.url, { query }), 'aliases');
  });

  test('root fields past MAX_ROOT_FIELDS are refused, even without aliases (fragments count)', async () => {
    const spreads = Array.from({ length: limits.maxRootFields + 1 }, (_, i) => `...F${i}`).join(' ');
    const fragments = Array.from({ length: limits.maxRootFields + 1 }, (_, i) => `fragment F${i} on Query { models { id } }`).join(' ');
    expectRefused(await postGraphQL(app.url, { query: `{ ${spreads} } ${fragments}` }), 'rootFields');
  });
});

describe('depth, tokens and cost', () => {
  test('a selection deeper than MAX_QUERY_DEPTH is refused (a setting: 3 here); a shallower one is served', async () => {
    const strict = await startTestApp({ limits: { maxQueryDepth: 3 } });
    try {
      const deep = { query: '{ workflows { edges { node { id } } } }' };
      const shallow = { query: '{ models { id } }' };
      const key = { authorization: `Bearer ${(await strict.createCustomer(1)).apiKey}` };
      const [refused, served] = await Promise.all([postGraphQL(strict.url, deep, key), postGraphQL(strict.url, shallow)]);
      expectRefused(refused, 'depth');
      expect(refused.body.errors?.[0]?.message).toMatch(/MAX_QUERY_DEPTH/);
      expect(served.status).toBe(200);
      expect(served.body.errors).toBeUndefined();
    } finally {
      await strict.stop();
    }
  });

  test('a 2,000-level nested list literal is refused as too many tokens, not a 500', async () => {
    const query = `{ workflow(id: ${'['.repeat(2000)}"x"${']'.repeat(2000)}) { __typename } }`;
    const response = await postGraphQL(app.url, { query });
    expectRefused(response, 'tokens');
    expect(response.text).not.toMatch(/INTERNAL_SERVER_ERROR|Maximum call stack/);
  });

  test("with MAX_TOKENS raised, a nesting deeper than the parser's stack is still refused, not a 500", async () => {
    const lenient = await startTestApp({ limits: { maxTokens: 1_000_000 } });
    try {
      const query = `{ workflow(id: ${'['.repeat(50_000)}"x"${']'.repeat(50_000)}) { __typename } }`;
      const [refused, served] = await Promise.all([postGraphQL(lenient.url, { query }), postGraphQL(lenient.url, normalQuery())]);
      expectRefused(refused, 'tokens');
      expect(refused.body.errors?.[0]?.message).toMatch(/nested too deeply/);
      expect(served.status).toBe(200);
    } finally {
      await lenient.stop();
    }
  });

  test('an operation whose list sizes and signed URLs add up past MAX_QUERY_COST is refused; a smaller page is served', async () => {
    const selection = 'edges { node { id completions { result { url } } mediaResult { url } result } }';
    const literal = (first: number) => ({ query: `{ workflows(first: ${first}) { ${selection} } }` });
    const variable = (first: number) => ({
      query: `query($first: Int) { workflows(first: $first) { ${selection} } }`,
      variables: { first },
    });
    const key = { authorization: `Bearer ${customer.apiKey}` };
    const [big, bigByVariable, small, smallByVariable] = await Promise.all([
      postGraphQL(app.url, literal(100), key),
      postGraphQL(app.url, variable(100), key),
      postGraphQL(app.url, literal(5), key),
      postGraphQL(app.url, variable(5), key),
    ]);
    for (const refused of [big, bigByVariable]) {
      expectRefused(refused, 'cost');
      expect(refused.body.errors?.[0]?.message).toMatch(/MAX_QUERY_COST/);
    }
    for (const served of [small, smallByVariable]) {
      expect(served.status).toBe(200);
      expect(served.body.errors).toBeUndefined();
    }
  });

  test('introspection as GraphiQL sends it is not refused', async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const response = await postGraphQL(app.url, { query: getIntrospectionQuery() });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });
});

describe('the same limits over graphql-ws and SSE', () => {
  test('graphql-ws: an alias flood is an error for that operation; the socket serves the next one', async () => {
    const socket = await openRawSocket(app.url);
    try {
      const refused = await firstAnswer(socket, 'flood', { query: aliasFlood(500) });
      expect(refused.type).toBe('error');
      expect((refused.payload as Array<{ extensions?: Record<string, unknown> }>)[0]?.extensions?.['code']).toBe('QUERY_LIMIT_EXCEEDED');
      const normal = await firstAnswer(socket, 'normal', normalQuery());
      expect(normal.type).toBe('next');
      expect(socket.isOpen()).toBe(true);
    } finally {
      socket.close();
    }
  });

  test('graphql-ws: a costly query (checked with its variables, just before execution) is refused too', async () => {
    const socket = await openRawSocket(app.url, { authorization: `Bearer ${customer.apiKey}` });
    try {
      const query = 'query($first: Int) { workflows(first: $first) { edges { node { completions { result { url } } result } } } }';
      const refused = await firstAnswer(socket, 'costly', { query, variables: { first: 100 } });
      expect(JSON.stringify(refused.payload)).toContain('QUERY_LIMIT_EXCEEDED');
      expect(JSON.stringify(refused.payload)).not.toContain('"data":{');
      const served = await firstAnswer(socket, 'cheap', { query, variables: { first: 2 } });
      expect(served.type).toBe('next');
      expect(JSON.stringify(served.payload)).not.toContain('errors');
    } finally {
      socket.close();
    }
  });

  test('SSE: an alias flood is refused with the same code', async () => {
    const { data } = await firstSseEvent(app.url, { query: aliasFlood(500) });
    expect(JSON.stringify(data)).toContain('QUERY_LIMIT_EXCEEDED');
  });
});
