import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { postGraphQL } from './raw-clients.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.stop());

describe("malformed requests are the caller's error, never INTERNAL_SERVER_ERROR", () => {
  test.each([
    ['a JSON array body', '[{"query":"{ models { id } }"}]'],
    ['a null body', 'null'],
    ['a number as the query', '{"query": 42}'],
    ['variables as an array', '{"query":"query($id: ID!) { workflow(id: $id) { __typename } }","variables":[1,2]}'],
    ['variables as a string', '{"query":"{ models { id } }","variables":"abc"}'],
    ['an object as the operation name', '{"query":"{ models { id } }","operationName":{"a":1}}'],
    ['extensions as a string', '{"query":"{ models { id } }","extensions":"x"}'],
    ['an unknown operation name', '{"query":"query A { models { id } }","operationName":"B"}'],
    ['a huge Int', '{"query":"{ workflows(first: 99999999999999999999) { edges { cursor } } }"}'],
    ['a NUL in the operation name', '{"query":"{ models { id } }","operationName":"a\\u0000b"}'],
    ['an empty query', '{"query":""}'],
  ])('%s', async (_name, body) => {
    const response = await postGraphQL(app.url, body);
    expect(response.status).toBeGreaterThanOrEqual(200);
    expect(response.status).toBeLessThan(500);
    expect(response.text).not.toContain('INTERNAL_SERVER_ERROR');
    expect(response.body.errors?.[0]?.extensions?.['code']).toEqual(expect.any(String));
  });
});
