import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { firstAnswer, openRawSocket, postGraphQL } from './raw-clients.ts';

let app: TestApp;
let customer: { customerId: string; apiKey: string };
let key: Record<string, string>;
let workflowId: string;

beforeAll(async () => {
  app = await startTestApp();
  customer = await app.createCustomer(10);
  key = { authorization: `Bearer ${customer.apiKey}` };
  workflowId = (await createWorkflowFor(app, customer.customerId, { title: 'before' })).id;
});
afterAll(() => app?.stop());

const updateTitle = 'mutation($id: ID!, $title: String) { updateWorkflow(id: $id, input: { title: $title }) { __typename } }';
const me = { query: '{ me { id } }' };

function expectBadInput(response: Awaited<ReturnType<typeof postGraphQL>>, where: RegExp) {
  expect(response.body.data ?? null).toBeNull();
  expect(response.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  expect(response.body.errors?.[0]?.message).toMatch(where);
  expect(response.text).not.toContain('INTERNAL_SERVER_ERROR');
}

describe('a NUL byte in a string input', () => {
  test('in a variable: BAD_USER_INPUT naming the variable; nothing written; a normal request alongside is answered', async () => {
    const [refused, normal] = await Promise.all([
      postGraphQL(app.url, { query: updateTitle, variables: { id: workflowId, title: 'a\u0000b' } }, key),
      postGraphQL(app.url, me, key),
    ]);
    expectBadInput(refused, /variables\.title.*NUL/);
    expect(normal.body.data).toEqual({ me: { id: customer.customerId } });
    expect((await app.services.workflows.get({ kind: 'admin' }, workflowId)).title).toBe('before');
  });

  test('in an inline literal: BAD_USER_INPUT naming its line and column', async () => {
    const query = `mutation { updateWorkflow(id: "${workflowId}", input: { title: "a\\u0000b" }) { __typename } }`;
    expectBadInput(await postGraphQL(app.url, { query }, key), /string literal at line 1, column \d+.*NUL/);
    // The same text again comes from the parser's cache, and so does the guard's verdict: still refused.
    expectBadInput(await postGraphQL(app.url, { query }, key), /string literal at line 1, column \d+.*NUL/);
  });

  test('nested deep in a JSON value (logError context)', async () => {
    const query = 'mutation($input: LogErrorInput!) { logError(input: $input) { __typename } }';
    const variables = { input: { message: 'boom', context: { a: [{ b: 'x\u0000' }] } } };
    expectBadInput(await postGraphQL(app.url, { query, variables }, key), /variables\.input\.context\.a\[0\]\.b/);
  });

  test('over graphql-ws too, as an error for that operation', async () => {
    const socket = await openRawSocket(app.url, key);
    try {
      const answer = await firstAnswer(socket, '1', { query: updateTitle, variables: { id: workflowId, title: '\u0000' } });
      expect(JSON.stringify(answer.payload)).toContain('BAD_USER_INPUT');
      expect(socket.isOpen()).toBe(true);
    } finally {
      socket.close();
    }
  });
});

describe('the JSON scalar', () => {
  const logError = 'mutation($input: LogErrorInput!) { logError(input: $input) { __typename } }';
  // As text: JSON.stringify of 5,000 levels would overflow this test's own stack.
  const logErrorBody = (message: string, levels: number) =>
    `{"query":${JSON.stringify(logError)},"variables":{"input":{"message":"${message}","context":${'{"down":'.repeat(levels)}"bottom"${'}'.repeat(levels)}}}}`;

  test('a context nested 5,000 levels is refused with a clear error, not a stack overflow; a normal log is taken', async () => {
    const [deep, normal] = await Promise.all([
      postGraphQL(app.url, logErrorBody('deep', 5000), key),
      postGraphQL(app.url, logErrorBody('fine', 5), key),
    ]);
    expect(deep.body.data ?? null).toBeNull();
    expect(deep.body.errors?.[0]?.message).toMatch(/JSON values may nest at most \d+ levels/);
    expect(deep.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(deep.text).not.toContain('INTERNAL_SERVER_ERROR');
    expect(normal.body.data).toEqual({ logError: { __typename: 'LogErrorSuccess' } });
  });

  test('as an inline literal too', async () => {
    const literal = `${'{ a: '.repeat(100)}1${' }'.repeat(100)}`;
    const response = await postGraphQL(
      app.url,
      { query: `mutation { logError(input: { message: "x", context: ${literal} }) { __typename } }` },
      key,
    );
    expect(response.body.errors?.[0]?.message).toMatch(/JSON values may nest at most/);
  });
});

describe('the File scalar', () => {
  const create = 'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename } }';
  const input = (source: unknown) => ({ title: 't', model: 'vim_new_year_2026', primaryUserId: 'u', source });

  test.each([
    ['a string', '/etc/passwd'],
    ['an object', { arrayBuffer: 'no', name: 'x.png', size: 3 }],
    ['a number', 7],
  ])('%s where a File is expected is refused as input, not an unexpected error', async (_name, source) => {
    const response = await postGraphQL(app.url, { query: create, variables: { input: input(source) } }, key);
    expect(response.body.data ?? null).toBeNull();
    expect(response.body.errors?.[0]?.message).toMatch(/File must be a file sent as a part of a multipart request/);
    expect(response.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect((await app.services.customers.get(customer.customerId)).credits).toBeGreaterThan(0);
  });

  test('an inline literal is refused too', async () => {
    const response = await postGraphQL(
      app.url,
      { query: 'mutation { createWorkflow(input: { title: "t", model: "m", primaryUserId: "u", source: "/etc/passwd" }) { __typename } }' },
      key,
    );
    expect(response.body.errors?.[0]?.message).toMatch(/File cannot be written inline/);
    expect(response.text).not.toContain('INTERNAL_SERVER_ERROR');
  });
});
