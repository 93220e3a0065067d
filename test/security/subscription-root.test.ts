import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { firstAnswer, firstSseEvent, openRawSocket, type RawSocket } from './raw-clients.ts';

// graphql 16 validates a subscription whose root field is skipped, then its executor finds no root
// field and throws a TypeError: a masked 500. The spec forbids @skip and @include at a
// subscription's root; the API refuses them while validating, on every door.

let app: TestApp;
let socket: RawSocket;
let apiKey: string;
let workflowId: string;

beforeAll(async () => {
  app = await startTestApp();
  const customer = await app.createCustomer(100);
  apiKey = customer.apiKey;
  workflowId = (await createWorkflowFor(app, customer.customerId, { options: { pipelineMode: 'IMAGE' } })).id;
  socket = await openRawSocket(app.url, { authorization: `Bearer ${apiKey}` });
});

afterAll(async () => {
  socket?.close();
  await app?.stop();
});

const root = (directive: string) => `workflowProgress(id: $id) ${directive} { version }`;
const refused: Array<[string, string, Record<string, unknown>]> = [
  ['@skip on the root field', `subscription S($id: ID!) { ${root('@skip(if: true)')} }`, {}],
  ['@include(if: false) from a variable', `subscription($id: ID!, $on: Boolean!) { ${root('@include(if: $on)')} }`, { on: false }],
  ['@include(if: true): refused too, whatever the value', `subscription($id: ID!) { ${root('@include(if: true)')} }`, {}],
  ['@skip inside a root fragment', `subscription($id: ID!) { ...F } fragment F on Subscription { ${root('@skip(if: true)')} }`, {}],
  ['@skip on a root inline fragment', `subscription($id: ID!) { ... @skip(if: true) { ${root('')} } }`, {}],
];

test.each(refused)('SSE: %s is GRAPHQL_VALIDATION_FAILED, naming the rule', async (_name, query, variables) => {
  const { status, data } = await firstSseEvent(
    app.url,
    { query, variables: { id: workflowId, ...variables } },
    {
      authorization: `Bearer ${apiKey}`,
    },
  );
  expect(status).toBeLessThan(500);
  const errors = (data as { errors: Array<{ message: string; extensions: { code: string } }> }).errors;
  expect(errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) })]);
  expect(errors[0]!.message).toMatch(/must not use @skip or @include in its top-level selection/);
});

test.each(refused)('graphql-ws: %s is an error message, and the socket stays open', async (name, query, variables) => {
  const answer = await firstAnswer(socket, name, { query, variables: { id: workflowId, ...variables } });
  expect(answer.type).toBe('error');
  expect(answer.payload).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) })]);
  expect(socket.isOpen()).toBe(true);
});

test('@skip below the root field is served as before', async () => {
  const query = 'subscription($id: ID!) { workflowProgress(id: $id) { version workflow { title @skip(if: true) } } }';
  const { data } = await firstSseEvent(app.url, { query, variables: { id: workflowId } }, { authorization: `Bearer ${apiKey}` });
  expect(data).toEqual({ data: { workflowProgress: { version: 1, workflow: {} } } });
});
