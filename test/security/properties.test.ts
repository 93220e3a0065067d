import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_KEY, countRows, startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { postGraphQL, type RawResponse } from './raw-clients.ts';

// Property tests over every mutation's input and the workflows arguments: whatever a client sends,
// the answer is a contract error type or a GraphQL validation error, never INTERNAL_SERVER_ERROR,
// and an input that is refused writes nothing.

let app: TestApp;
let customer: { customerId: string; apiKey: string };
let workflowId: string;
const RUNS = { numRuns: 40 };

beforeAll(async () => {
  app = await startTestApp();
  customer = await app.createCustomer(1000);
  workflowId = (await createWorkflowFor(app, customer.customerId, { options: { pipelineMode: 'IMAGE' } })).id;
});

afterAll(async () => {
  await app.stop();
});

/** Strings a hostile or careless client sends: empty, NUL bytes, odd Unicode, very long. */
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '../../etc/passwd', '%00', '\uFFFF', '\uD800', '𝕏'.repeat(300), 'x'.repeat(70_000)),
  fc.uuid(),
);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const int = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2_147_483_647, -2_147_483_648), fc.double({ noNaN: true }));
const ids = fc.oneof(nasty, fc.uuid(), fc.constant('00000000-0000-4000-8000-000000000000'));
/** A cursor that looks like ours: base64url JSON of a date (year −271821 to 275760) and an id. */
const forgedCursor = fc
  .tuple(fc.date({ noInvalidDate: false }), ids)
  .map(([date, id]) =>
    Buffer.from(JSON.stringify([Number.isNaN(date.getTime()) ? 'not a date' : date.toISOString(), id])).toString('base64url'),
  );

function expectNoInternalError(response: RawResponse, what: unknown): void {
  const codes = (response.body.errors ?? []).map((error) => error.extensions?.['code']);
  expect(codes, JSON.stringify(what).slice(0, 300)).not.toContain('INTERNAL_SERVER_ERROR');
  expect(response.status, JSON.stringify(what).slice(0, 300)).toBeLessThan(500);
}

/** What a refused input must leave as it was. */
async function footprint() {
  const balance = (await app.services.customers.get(customer.customerId)).credits;
  const tables = await Promise.all((['workflows', 'uploads', 'credit_ledger', 'jobs'] as const).map((table) => countRows(app.db, table)));
  const logs = Number(
    (
      await app.db
        .selectFrom('error_log_entries')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  return { balance, tables, logs, objects: (await app.listObjects('')).length };
}

async function send(query: string, variables: Record<string, unknown>, key = customer.apiKey): Promise<RawResponse> {
  return postGraphQL(app.url, { query, variables }, { authorization: `Bearer ${key}` });
}

function refused(response: RawResponse, field: string): boolean {
  const data = response.body.data?.[field] as { __typename?: string } | null | undefined;
  return !data || data.__typename?.endsWith('Error') === true;
}

describe('no input reaches INTERNAL_SERVER_ERROR, and a refused one writes nothing', () => {
  test('createWorkflow', async () => {
    const input = fc.record({
      title: nasty,
      description: optional(nasty),
      model: fc.oneof(nasty, fc.constant('vim_new_year_2026')),
      primaryUserId: nasty,
      options: optional(
        fc.record({
          aspectRatio: optional(fc.oneof(nasty, fc.constant('16:9'))),
          pipelineMode: optional(fc.constantFrom('IMAGE', 'VIDEO', 'GIF')),
        }),
      ),
      uploadId: optional(ids),
      idempotencyKey: optional(nasty),
      customerId: optional(ids),
      visibilityStatus: optional(fc.constantFrom('PUBLIC', 'PRIVATE', 'SECRET')),
    });
    await fc.assert(
      fc.asyncProperty(input, async (value) => {
        const before = await footprint();
        const response = await send('mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename } }', {
          input: value,
        });
        expectNoInternalError(response, value);
        if (refused(response, 'createWorkflow')) expect(await footprint()).toEqual(before);
      }),
      RUNS,
    );
  });

  test("updateWorkflow, cancelWorkflow, retryWorkflow and deleteWorkflow on ids that are not the caller's", async () => {
    const mutation = fc.constantFrom(
      'mutation($id: ID!, $input: UpdateWorkflowInput!) { updateWorkflow(id: $id, input: $input) { __typename } }',
      'mutation($id: ID!) { cancelWorkflow(id: $id) { __typename } }',
      'mutation($id: ID!) { retryWorkflow(id: $id) { __typename } }',
      'mutation($id: ID!) { deleteWorkflow(id: $id) { __typename } }',
    );
    const update = fc.record({
      title: optional(nasty),
      description: optional(nasty),
      primaryUserId: optional(nasty),
      visibilityStatus: optional(fc.constantFrom('PUBLIC', 'HIDDEN')),
    });
    await fc.assert(
      fc.asyncProperty(mutation, ids, update, async (query, id, input) => {
        const before = await footprint();
        const response = await send(query, { id, input });
        expectNoInternalError(response, { query, id, input });
        expect(await footprint()).toEqual(before);
      }),
      RUNS,
    );
  });

  test("updateWorkflow on the caller's own workflow: a refused patch changes nothing", async () => {
    const update = fc.record({ title: optional(nasty), description: optional(nasty), primaryUserId: optional(nasty) });
    await fc.assert(
      fc.asyncProperty(update, async (input) => {
        const before = await app.services.workflows.get({ kind: 'admin' }, workflowId);
        const response = await send(
          'mutation($id: ID!, $input: UpdateWorkflowInput!) { updateWorkflow(id: $id, input: $input) { __typename } }',
          { id: workflowId, input },
        );
        expectNoInternalError(response, input);
        if (refused(response, 'updateWorkflow'))
          expect((await app.services.workflows.get({ kind: 'admin' }, workflowId)).version).toBe(before.version);
      }),
      RUNS,
    );
  });

  test('workflows(first, after, filter), with forged cursors', async () => {
    const args = fc.record({
      first: optional(int),
      after: optional(fc.oneof(nasty, forgedCursor)),
      filter: optional(
        fc.record({
          processingStatus: optional(fc.constantFrom('QUEUED', 'DONE')),
          primaryUserId: optional(nasty),
          model: optional(nasty),
        }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(args, async (value) => {
        const response = await send(
          'query($first: Int, $after: String, $filter: WorkflowFilter) { workflows(first: $first, after: $after, filter: $filter) { edges { cursor } } }',
          value,
        );
        expectNoInternalError(response, value);
      }),
      // Always tried: a cursor of the year −4714, which Postgres refused with an internal error.
      {
        ...RUNS,
        examples: [
          [
            {
              first: undefined,
              filter: undefined,
              after: Buffer.from(JSON.stringify(['-004714-11-23T23:59:59.999Z', workflowId])).toString('base64url'),
            },
          ],
        ],
      },
    );
  });

  test('logError', async () => {
    const json = fc.jsonValue({ maxDepth: 6 });
    const input = fc.record({
      message: nasty,
      script: optional(nasty),
      stack: optional(nasty),
      level: optional(nasty),
      context: optional(json),
      occurredAt: optional(
        fc.oneof(
          nasty,
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
      ),
      customerId: optional(ids),
    });
    await fc.assert(
      fc.asyncProperty(input, async (value) => {
        const before = await footprint();
        const response = await send('mutation($input: LogErrorInput!) { logError(input: $input) { __typename } }', { input: value });
        expectNoInternalError(response, value);
        if (refused(response, 'logError')) expect(await footprint()).toEqual(before);
      }),
      RUNS,
    );
  });

  test('createUpload, createWebhookEndpoint, createApiKey, revokeApiKey and rotateWebhookSecret', async () => {
    const operation = fc.oneof(
      fc.record({ filename: nasty, contentType: fc.oneof(nasty, fc.constant('image/png')), size: int }).map((input) => ({
        query: 'mutation($input: CreateUploadInput!) { createUpload(input: $input) { __typename } }',
        variables: { input },
        field: 'createUpload',
      })),
      fc.record({ url: nasty, events: optional(fc.array(fc.constantFrom('WORKFLOW_FAILED', 'WORKFLOW_LOST'))) }).map((input) => ({
        query: 'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { __typename } }',
        variables: { input },
        field: 'createWebhookEndpoint',
      })),
      ids.map((customerId) => ({
        query: 'mutation($c: ID) { createApiKey(customerId: $c) { apiKey } }',
        variables: { c: customerId },
        field: 'createApiKey',
      })),
      ids.map((id) => ({ query: 'mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }', variables: { id }, field: 'revokeApiKey' })),
      fc.record({ id: ids, seconds: optional(int) }).map(({ id, seconds }) => ({
        query: 'mutation($id: ID!, $s: Int) { rotateWebhookSecret(id: $id, expireOldAfterSeconds: $s) { __typename } }',
        variables: { id, s: seconds },
        field: 'rotateWebhookSecret',
      })),
    );
    await fc.assert(
      fc.asyncProperty(operation, async ({ query, variables, field }) => {
        const before = await footprint();
        const response = await send(query, variables);
        expectNoInternalError(response, variables);
        if (refused(response, field)) expect(await footprint()).toEqual(before);
      }),
      RUNS,
    );
  });

  test('the admin operations: createCustomer and grantCredits', async () => {
    const operation = fc.oneof(
      fc.record({ name: nasty, credits: optional(int) }).map((input) => ({
        query: 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { apiKey } }',
        variables: { input },
      })),
      fc.record({ customerId: fc.oneof(ids, fc.constant(customer.customerId)), amount: int }).map((args) => ({
        query: 'mutation($customerId: ID!, $amount: Int!) { grantCredits(customerId: $customerId, amount: $amount) { credits } }',
        variables: args,
      })),
    );
    await fc.assert(
      fc.asyncProperty(operation, async ({ query, variables }) => {
        const response = await send(query, variables, ADMIN_KEY);
        expectNoInternalError(response, variables);
      }),
      RUNS,
    );
  });
});
