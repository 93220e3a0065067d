import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';

// A query a client keeps sending is compiled (graphql-jit) after its first runs on graphql-js:
// every answer after that, data and errors alike, must be the one graphql-js gave.

let app: TestApp;
let key: string;
let workflowId: string;

const EVERYTHING = `id title description visibilityStatus model options { aspectRatio pipelineMode } primaryUserId customerId
  processingStatus progressPercentage creditCost error version createdAt updatedAt
  completions { flow status attempts startedAt completedAt error result { key url contentType size width height durationMs updatedAt } }
  result mediaResult { key contentType url(expiresIn: 600) } source { key size }`;

const CASES: Array<[string, { query: string; variables?: Record<string, unknown> }, { key?: boolean }]> = [
  ['a workflow with everything', { query: `query($id: ID!) { workflow(id: $id) { __typename ... on Workflow { ${EVERYTHING} } } }` }, {}],
  [
    'a workflow that is not there (a union member)',
    { query: `{ workflow(id: "00000000-0000-4000-8000-000000000000") { __typename ... on Error { message } } }` },
    {},
  ],
  ['a malformed id (a union member)', { query: `{ workflow(id: "nope") { __typename ... on Error { message } } }` }, {}],
  [
    'a page with cursors',
    {
      query: `{ workflows(first: 2) { edges { cursor node { ${EVERYTHING} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
    },
    {},
  ],
  ['a page size out of range (an error, not data)', { query: '{ workflows(first: 0) { edges { cursor } } }' }, {}],
  ['a bad cursor', { query: '{ workflows(after: "xyz") { edges { cursor } } }' }, {}],
  ['no key', { query: '{ workflows { edges { cursor } } }' }, { key: false }],
  ['a required variable not given', { query: 'query($id: ID!) { workflow(id: $id) { __typename } }', variables: {} }, {}],
  [
    'a variable of the wrong type',
    { query: 'query($first: Int) { workflows(first: $first) { edges { cursor } } }', variables: { first: 'ten' } },
    {},
  ],
  [
    '@include and @skip',
    {
      query: `query($id: ID!, $yes: Boolean!) { workflow(id: $id) { ... on Workflow { id title @include(if: $yes) model @skip(if: $yes) } } }`,
      variables: { yes: true },
    },
    {},
  ],
  ['aliases and __typename', { query: `{ a: models { id } b: models { __typename id } }` }, {}],
];

beforeAll(async () => {
  app = await startTestApp();
  const customer = await app.createCustomer(100);
  key = customer.apiKey;
  for (let i = 0; i < 3; i += 1) workflowId = (await createWorkflowFor(app, customer.customerId, { title: `W${i}` })).id;
});

afterAll(async () => {
  await app?.stop();
});

async function send(body: { query: string; variables?: Record<string, unknown> }, withKey: boolean) {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(withKey ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ ...body, variables: body.variables ?? { id: workflowId } }),
  });
  // A URL is the same within its signing window, not across one: compared without its signature.
  const text = (await response.text()).replace(/\?[^"]*X-Amz-Signature=[0-9a-f]+/g, '?signed');
  return { status: response.status, body: JSON.parse(text) as unknown };
}

test.each(CASES)('%s: the same answer on every run, compiled or not', async (_name, body, options) => {
  const first = await send(body, options.key !== false);
  for (let run = 1; run < 15; run += 1) expect(await send(body, options.key !== false)).toEqual(first);
});
