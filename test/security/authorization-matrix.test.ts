import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { subscribeWs, wsClient } from '../subscriptions/clients.ts';
import { postGraphQL } from './raw-clients.ts';

// Every query, mutation and subscription × {anonymous, customer A, customer B, admin, a revoked
// key} × {A's PRIVATE, A's PUBLIC workflow}: each answer as the contract says. An outcome is the
// __typename of the field's result, or the extensions.code of a GraphQL error.

type Caller = 'anonymous' | 'A' | 'B' | 'admin' | 'revoked';
const CALLERS: Caller[] = ['anonymous', 'A', 'B', 'admin', 'revoked'];

let app: TestApp;
let keys: Record<Caller, string | undefined>;
let alice: { customerId: string; apiKey: string };

beforeAll(async () => {
  app = await startTestApp();
  alice = await app.createCustomer(1000, 'A');
  const bob = await app.createCustomer(1000, 'B');
  const spare = await postGraphQL(
    app.url,
    { query: 'mutation { createApiKey { apiKey key { id } } }' },
    { authorization: `Bearer ${alice.apiKey}` },
  );
  const created = spare.body.data!['createApiKey'] as { apiKey: string; key: { id: string } };
  await app.services.customers.revokeApiKey({ kind: 'customer', customerId: alice.customerId }, created.key.id);
  keys = { anonymous: undefined, A: alice.apiKey, B: bob.apiKey, admin: ADMIN_KEY, revoked: created.apiKey };
});

afterAll(async () => {
  await app.stop();
});

async function outcome(caller: Caller, query: string, variables: Record<string, unknown> = {}): Promise<string> {
  const key = keys[caller];
  const response = await postGraphQL(app.url, { query, variables }, key ? { authorization: `Bearer ${key}` } : {});
  const error = response.body.errors?.[0];
  if (error) return String(error.extensions?.['code']);
  const value = Object.values(response.body.data ?? {})[0];
  if (value === null) return 'null';
  return typeof value === 'object' && value !== null && '__typename' in value ? String((value as { __typename: string }).__typename) : 'ok';
}

const workflowOperations = {
  read: 'query($id: ID!) { workflow(id: $id) { __typename } }',
  update: 'mutation($id: ID!) { updateWorkflow(id: $id, input: { title: "changed" }) { __typename } }',
  cancel: 'mutation($id: ID!) { cancelWorkflow(id: $id) { __typename } }',
  retry: 'mutation($id: ID!) { retryWorkflow(id: $id) { __typename } }',
  delete: 'mutation($id: ID!) { deleteWorkflow(id: $id) { __typename } }',
} as const;

/** What each caller gets for each operation on a PRIVATE and on a PUBLIC workflow of A (a QUEUED one). */
const expected: Record<keyof typeof workflowOperations | 'subscribe', Record<Caller, [string, string]>> = {
  read: {
    anonymous: ['NotFoundError', 'Workflow'],
    A: ['Workflow', 'Workflow'],
    B: ['NotFoundError', 'Workflow'],
    admin: ['Workflow', 'Workflow'],
    revoked: ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
  },
  update: {
    anonymous: ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
    A: ['Workflow', 'Workflow'],
    B: ['NotFoundError', 'NotFoundError'],
    admin: ['Workflow', 'Workflow'],
    revoked: ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
  },
  cancel: {
    anonymous: ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
    A: ['Workflow', 'Workflow'],
    B: ['NotFoundError', 'NotFoundError'],
    admin: ['Workflow', 'Workflow'],
    revoked: ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
  },
  // Allowed, but a QUEUED run cannot be retried: a BadRequestError, not an authorization failure.
  retry: {
    anonymous: ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
    A: ['BadRequestError', 'BadRequestError'],
    B: ['NotFoundError', 'NotFoundError'],
    admin: ['BadRequestError', 'BadRequestError'],
    revoked: ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
  },
  delete: {
    anonymous: ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
    A: ['DeleteWorkflowPayload', 'DeleteWorkflowPayload'],
    B: ['NotFoundError', 'NotFoundError'],
    admin: ['DeleteWorkflowPayload', 'DeleteWorkflowPayload'],
    revoked: ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
  },
  subscribe: {
    anonymous: ['UNAUTHENTICATED', 'event'],
    A: ['event', 'event'],
    B: ['NOT_FOUND', 'event'],
    admin: ['event', 'event'],
    revoked: ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
  },
};

async function freshWorkflows(): Promise<[string, string]> {
  const make = (visibilityStatus: 'PRIVATE' | 'PUBLIC') =>
    createWorkflowFor(app, alice.customerId, { visibilityStatus, options: { pipelineMode: 'IMAGE' } });
  return [(await make('PRIVATE')).id, (await make('PUBLIC')).id];
}

describe('the authorization matrix', () => {
  for (const operation of Object.keys(workflowOperations) as Array<keyof typeof workflowOperations>) {
    test(`${operation} of A's PRIVATE and PUBLIC workflow, by each caller`, async () => {
      for (const caller of CALLERS) {
        // A fresh pair per caller: an allowed cancel or delete must not change what the next caller meets.
        const ids = await freshWorkflows();
        const got = [
          await outcome(caller, workflowOperations[operation], { id: ids[0] }),
          await outcome(caller, workflowOperations[operation], { id: ids[1] }),
        ];
        expect(got, `${operation} by ${caller}`).toEqual(expected[operation][caller]);
      }
    });
  }

  test("workflowProgress of A's PRIVATE and PUBLIC workflow, by each caller", async () => {
    const ids = await freshWorkflows();
    for (const caller of CALLERS) {
      const got: string[] = [];
      for (const id of ids) {
        const client = wsClient(app.url, keys[caller]);
        try {
          const subscription = subscribeWs(client, { id });
          const first = await Promise.race([
            subscription.received(1).then(() => 'event'),
            subscription.ended.then((end) => String(end.errors[0]?.extensions?.['code'] ?? end.errors[0]?.message)),
          ]);
          got.push(first);
          subscription.close();
        } finally {
          await client.dispose();
        }
      }
      expect(got, `workflowProgress by ${caller}`).toEqual(expected.subscribe[caller]);
    }
  });

  test('the operations on no workflow, by each caller', async () => {
    const operations: Array<[string, string, Record<Caller, string>]> = [
      ['me', '{ me { id } }', { anonymous: 'UNAUTHENTICATED', A: 'ok', B: 'ok', admin: 'FORBIDDEN', revoked: 'UNAUTHENTICATED' }],
      [
        'workflows',
        '{ workflows { edges { cursor } } }',
        { anonymous: 'UNAUTHENTICATED', A: 'ok', B: 'ok', admin: 'ok', revoked: 'UNAUTHENTICATED' },
      ],
      ['models', '{ models { id } }', { anonymous: 'ok', A: 'ok', B: 'ok', admin: 'ok', revoked: 'UNAUTHENTICATED' }],
      [
        'createUpload',
        'mutation { createUpload(input: { filename: "a.png", contentType: "image/png", size: 10 }) { __typename } }',
        { anonymous: 'UNAUTHENTICATED', A: 'Upload', B: 'Upload', admin: 'FORBIDDEN', revoked: 'UNAUTHENTICATED' },
      ],
      [
        'logError',
        'mutation { logError(input: { message: "m" }) { __typename } }',
        { anonymous: 'UNAUTHENTICATED', A: 'LogErrorSuccess', B: 'LogErrorSuccess', admin: 'ValidationError', revoked: 'UNAUTHENTICATED' },
      ],
      // Each customer reads its own week's log, written by the logError just above.
      [
        'errorLog',
        '{ errorLog { week } }',
        { anonymous: 'UNAUTHENTICATED', A: 'ok', B: 'ok', admin: 'BAD_USER_INPUT', revoked: 'UNAUTHENTICATED' },
      ],
      [
        'createCustomer',
        'mutation { createCustomer(input: { name: "C" }) { apiKey } }',
        { anonymous: 'UNAUTHENTICATED', A: 'FORBIDDEN', B: 'FORBIDDEN', admin: 'ok', revoked: 'UNAUTHENTICATED' },
      ],
      [
        'grantCredits',
        `mutation { grantCredits(customerId: "${'$A'}", amount: 1) { credits } }`,
        { anonymous: 'UNAUTHENTICATED', A: 'FORBIDDEN', B: 'FORBIDDEN', admin: 'ok', revoked: 'UNAUTHENTICATED' },
      ],
      [
        'createApiKey',
        'mutation { createApiKey { apiKey } }',
        { anonymous: 'UNAUTHENTICATED', A: 'ok', B: 'ok', admin: 'BAD_USER_INPUT', revoked: 'UNAUTHENTICATED' },
      ],
      [
        'webhookEndpoints',
        '{ webhookEndpoints { id } }',
        { anonymous: 'UNAUTHENTICATED', A: 'ok', B: 'ok', admin: 'FORBIDDEN', revoked: 'UNAUTHENTICATED' },
      ],
    ];
    for (const [name, query, byCaller] of operations) {
      for (const caller of CALLERS) {
        expect(await outcome(caller, query.replace('$A', alice.customerId)), `${name} by ${caller}`).toBe(byCaller[caller]);
      }
    }
  });
});
