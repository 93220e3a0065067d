import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listModels } from '../../src/modules/models/models.ts';
import type { Workflow } from '../../src/modules/workflows/workflow.ts';
import type { ListWorkflowsQuery, WorkflowFilter } from '../gql/graphql.ts';
import { ADMIN_KEY, type GraphQLResponse, startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { ListWorkflows, UpdateWorkflow } from '../operations.ts';

const START = Date.parse('2026-03-01T12:00:00.000Z');
// The app's clock: tests set it so that creation times (and ties between them) are known.
let now = START;

let app: TestApp;
let alice: { customerId: string; apiKey: string };
let bob: { customerId: string; apiKey: string };

beforeAll(async () => {
  app = await startTestApp({ clock: () => new Date(now) });
  alice = await app.createCustomer(1000, 'Alice');
  bob = await app.createCustomer(1000, 'Bob');
});
afterAll(() => app?.stop());

/** Newest first, ties broken by id, as the API promises. */
function newestFirst(workflows: Workflow[]): string[] {
  return [...workflows]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((w) => w.id);
}

async function listAll(key: string, filter?: WorkflowFilter): Promise<string[]> {
  const response = await app.gql(ListWorkflows, { first: 100, filter }, { key });
  expect(response.errors).toBeUndefined();
  return response.data!.workflows.edges.map((edge) => edge.node.id);
}

function expectBadUserInput(response: { data?: unknown; errors?: Array<{ extensions?: Record<string, unknown> }> }, field: string) {
  expect(response.data ?? null).toBeNull();
  expect(response.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  expect(response.errors?.[0]?.extensions?.['fieldErrors']).toEqual([{ field, message: expect.any(String) }]);
}

describe('workflows (list)', () => {
  const aliceWorkflows: Workflow[] = [];
  const bobWorkflows: Workflow[] = [];
  const other = listModels().find((m) => m.id !== 'vim_new_year_2026')!;

  beforeAll(async () => {
    // Seconds apart, except three created in the same millisecond: the cursor must order those by id.
    const offsets = [0, 1, 2, 2, 2, 3, 4];
    for (const [i, offset] of offsets.entries()) {
      now = START + offset * 1000;
      aliceWorkflows.push(
        await createWorkflowFor(app, alice.customerId, {
          title: `alice ${i}`,
          primaryUserId: i % 2 === 0 ? 'even@example.com' : 'odd@example.com',
          ...(i === 5 ? { model: other.id, options: { pipelineMode: other.pipelineModes[0]!, aspectRatio: other.aspectRatios[0]! } } : {}),
        }),
      );
    }
    for (const i of [0, 1]) {
      now = START + (10 + i) * 1000;
      bobWorkflows.push(await createWorkflowFor(app, bob.customerId, { title: `bob ${i}`, primaryUserId: 'even@example.com' }));
    }
    await app.db
      .updateTable('workflows')
      .set({ processing_status: 'SUCCESS', progress_percentage: 100 })
      .where('id', 'in', [aliceWorkflows[1]!.id, aliceWorkflows[3]!.id, bobWorkflows[0]!.id])
      .execute();
  });

  test('pages of 3 over 7 workflows: 3, 3, 1, newest first, none missing or repeated', async () => {
    const expected = newestFirst(aliceWorkflows);
    const pages: Array<{ ids: string[]; hasNextPage: boolean; hasPreviousPage: boolean }> = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const response: GraphQLResponse<ListWorkflowsQuery> = await app.gql(ListWorkflows, { first: 3, after }, { key: alice.apiKey });
      expect(response.errors).toBeUndefined();
      const { edges, pageInfo } = response.data!.workflows;
      pages.push({ ids: edges.map((e) => e.node.id), hasNextPage: pageInfo.hasNextPage, hasPreviousPage: pageInfo.hasPreviousPage });
      expect(pageInfo.startCursor).toBe(edges[0]?.cursor ?? null);
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(pages.map((p) => p.ids.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.hasNextPage)).toEqual([true, true, false]);
    expect(pages.map((p) => p.hasPreviousPage)).toEqual([false, true, true]);
    expect(pages.flatMap((p) => p.ids)).toEqual(expected);
  });

  test('a cursor from the middle of a tie continues exactly after it', async () => {
    const expected = newestFirst(aliceWorkflows);
    const first = await app.gql(ListWorkflows, { first: 4 }, { key: alice.apiKey });
    // Positions 2..4 are the three created in the same millisecond.
    const rest = await app.gql(ListWorkflows, { first: 100, after: first.data!.workflows.edges[3]!.cursor }, { key: alice.apiKey });
    expect(rest.data!.workflows.edges.map((e) => e.node.id)).toEqual(expected.slice(4));
  });

  test('without first, a default page; an empty page past the end', async () => {
    const all = await app.gql(ListWorkflows, {}, { key: alice.apiKey });
    expect(all.data!.workflows.edges).toHaveLength(7);
    expect(all.data!.workflows.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const last = all.data!.workflows.pageInfo.endCursor;
    const past = await app.gql(ListWorkflows, { first: 3, after: last }, { key: alice.apiKey });
    expect(past.errors).toBeUndefined();
    expect(past.data!.workflows.edges).toEqual([]);
    expect(past.data!.workflows.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
  });

  test('a customer sees only its own workflows; the admin sees everyone', async () => {
    expect(await listAll(alice.apiKey)).toEqual(newestFirst(aliceWorkflows));
    expect(await listAll(bob.apiKey)).toEqual(newestFirst(bobWorkflows));
    expect(await listAll(ADMIN_KEY)).toEqual(newestFirst([...aliceWorkflows, ...bobWorkflows]));
  });

  test('filters: processingStatus, primaryUserId, model, and together', async () => {
    const ids = (indexes: number[]) => newestFirst(indexes.map((i) => aliceWorkflows[i]!));
    expect(await listAll(alice.apiKey, { processingStatus: 'SUCCESS' })).toEqual(ids([1, 3]));
    expect(await listAll(alice.apiKey, { processingStatus: 'QUEUED' })).toEqual(ids([0, 2, 4, 5, 6]));
    expect(await listAll(alice.apiKey, { processingStatus: 'FAILED' })).toEqual([]);
    expect(await listAll(alice.apiKey, { primaryUserId: 'odd@example.com' })).toEqual(ids([1, 3, 5]));
    expect(await listAll(alice.apiKey, { model: other.id })).toEqual(ids([5]));
    expect(await listAll(alice.apiKey, { model: 'vim_new_year_2026' })).toEqual(ids([0, 1, 2, 3, 4, 6]));
    expect(await listAll(alice.apiKey, { model: 'no_such_model' })).toEqual([]);
    expect(await listAll(alice.apiKey, { primaryUserId: 'odd@example.com', processingStatus: 'SUCCESS' })).toEqual(ids([1, 3]));
    // The admin's filters span customers.
    expect(await listAll(ADMIN_KEY, { processingStatus: 'SUCCESS' })).toEqual(
      newestFirst([aliceWorkflows[1]!, aliceWorkflows[3]!, bobWorkflows[0]!]),
    );
    expect(await listAll(ADMIN_KEY, { primaryUserId: 'even@example.com' })).toEqual(
      newestFirst([aliceWorkflows[0]!, aliceWorkflows[2]!, aliceWorkflows[4]!, aliceWorkflows[6]!, ...bobWorkflows]),
    );
  });

  test('filters hold across pages', async () => {
    const expected = newestFirst([0, 2, 4, 6].map((i) => aliceWorkflows[i]!));
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const response: GraphQLResponse<ListWorkflowsQuery> = await app.gql(
        ListWorkflows,
        { first: 3, after, filter: { primaryUserId: 'even@example.com' } },
        { key: alice.apiKey },
      );
      seen.push(...response.data!.workflows.edges.map((e) => e.node.id));
      if (!response.data!.workflows.pageInfo.hasNextPage) break;
      after = response.data!.workflows.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });

  test.each([0, -1, 101])('first: %i is BAD_USER_INPUT', async (first) => {
    expectBadUserInput(await app.gql(ListWorkflows, { first }, { key: alice.apiKey }), 'first');
  });

  test('first: 100 is allowed', async () => {
    const response = await app.gql(ListWorkflows, { first: 100 }, { key: alice.apiKey });
    expect(response.errors).toBeUndefined();
  });

  test.each([
    ['garbage', 'not-a-cursor'],
    ['base64 of non-JSON', Buffer.from('hello').toString('base64url')],
    ['a bad date', Buffer.from(JSON.stringify(['yesterday', randomUUID()])).toString('base64url')],
    ['a non-UUID id', Buffer.from(JSON.stringify([new Date().toISOString(), 'x'])).toString('base64url')],
    ['a JSON object', Buffer.from(JSON.stringify({ a: 1 })).toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
  ])('a cursor that is %s is BAD_USER_INPUT', async (_case, after) => {
    expectBadUserInput(await app.gql(ListWorkflows, { first: 3, after }, { key: alice.apiKey }), 'after');
  });
});

describe('updateWorkflow', () => {
  async function fresh(): Promise<Workflow> {
    now += 1000;
    return createWorkflowFor(app, alice.customerId, {
      title: 'Original title',
      description: 'Original description',
      primaryUserId: 'owner@example.com',
    });
  }

  test('changes only the given fields and bumps the version by one each time', async () => {
    const created = await fresh();
    expect(created.version).toBe(1);
    now += 1000;
    const renamed = await app.gql(UpdateWorkflow, { id: created.id, input: { title: '  New title  ' } }, { key: alice.apiKey });
    expect(renamed.data?.updateWorkflow).toEqual({
      __typename: 'Workflow',
      id: created.id,
      title: 'New title',
      description: 'Original description',
      visibilityStatus: 'PRIVATE',
      primaryUserId: 'owner@example.com',
      version: 2,
    });

    const published = await app.gql(UpdateWorkflow, { id: created.id, input: { visibilityStatus: 'PUBLIC' } }, { key: alice.apiKey });
    expect(published.data?.updateWorkflow).toMatchObject({
      title: 'New title',
      description: 'Original description',
      visibilityStatus: 'PUBLIC',
      version: 3,
    });

    const reassigned = await app.gql(
      UpdateWorkflow,
      { id: created.id, input: { primaryUserId: 'other@example.com', description: 'Shorter' } },
      { key: alice.apiKey },
    );
    expect(reassigned.data?.updateWorkflow).toMatchObject({
      title: 'New title',
      description: 'Shorter',
      visibilityStatus: 'PUBLIC',
      primaryUserId: 'other@example.com',
      version: 4,
    });

    const row = await app.db.selectFrom('workflows').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      title: 'New title',
      description: 'Shorter',
      visibility: 'PUBLIC',
      primary_user_id: 'other@example.com',
      version: 4,
      model: created.model,
      credit_cost: created.creditCost,
      processing_status: 'QUEUED',
    });
    expect(row.created_at.getTime()).toBe(created.createdAt.getTime());
    expect(row.updated_at.getTime()).toBe(now);
  });

  test('description can be set to null', async () => {
    const created = await fresh();
    const response = await app.gql(UpdateWorkflow, { id: created.id, input: { description: null } }, { key: alice.apiKey });
    expect(response.data?.updateWorkflow).toMatchObject({ __typename: 'Workflow', title: 'Original title', description: null, version: 2 });
  });

  test("the admin may update any customer's workflow", async () => {
    const created = await fresh();
    const response = await app.gql(UpdateWorkflow, { id: created.id, input: { title: 'By the admin' } }, { key: ADMIN_KEY });
    expect(response.data?.updateWorkflow).toMatchObject({ __typename: 'Workflow', title: 'By the admin', version: 2 });
  });

  test('an empty input is a BadRequestError and changes nothing', async () => {
    const created = await fresh();
    const response = await app.gql(UpdateWorkflow, { id: created.id, input: {} }, { key: alice.apiKey });
    expect(response.data?.updateWorkflow).toMatchObject({ __typename: 'BadRequestError', code: 'BAD_REQUEST' });
    expect((await app.services.workflows.get({ kind: 'admin' }, created.id)).version).toBe(1);
  });

  test.each([
    ['a null title', { title: null }, ['input.title']],
    ['a null visibilityStatus', { visibilityStatus: null }, ['input.visibilityStatus']],
    ['a null primaryUserId', { primaryUserId: null }, ['input.primaryUserId']],
    ['an empty title', { title: '' }, ['input.title']],
    ['a blank title', { title: '   ' }, ['input.title']],
    ['a title over 200 characters', { title: 't'.repeat(201) }, ['input.title']],
    ['a description over 2,000 characters', { description: 'd'.repeat(2001) }, ['input.description']],
    ['a primaryUserId over 320 characters', { primaryUserId: 'u'.repeat(321) }, ['input.primaryUserId']],
    ['a good title with an empty primaryUserId', { title: 'fine', primaryUserId: '' }, ['input.primaryUserId']],
  ] as const)('%s is a ValidationError and changes nothing', async (_case, input, fields) => {
    const created = await fresh();
    const response = await app.gql(UpdateWorkflow, { id: created.id, input }, { key: alice.apiKey });
    const result = response.data?.updateWorkflow;
    expect(result).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_ERROR' });
    expect(result?.__typename === 'ValidationError' && result.fieldErrors.map((e) => e.field)).toEqual(fields);
    const after = await app.services.workflows.get({ kind: 'admin' }, created.id);
    expect(after).toMatchObject({
      title: 'Original title',
      description: 'Original description',
      primaryUserId: 'owner@example.com',
      version: 1,
    });
  });

  test('200 characters of title and 2,000 of description are allowed', async () => {
    const created = await fresh();
    const input = { title: 't'.repeat(200), description: 'd'.repeat(2000) };
    const response = await app.gql(UpdateWorkflow, { id: created.id, input }, { key: alice.apiKey });
    expect(response.data?.updateWorkflow).toMatchObject({ __typename: 'Workflow', ...input, version: 2 });
  });

  test("another customer's workflow is NotFoundError, like an unknown id", async () => {
    const created = await fresh();
    const foreign = await app.gql(UpdateWorkflow, { id: created.id, input: { title: 'Stolen' } }, { key: bob.apiKey });
    expect(foreign.data?.updateWorkflow).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const unknownId = randomUUID();
    const unknown = await app.gql(UpdateWorkflow, { id: unknownId, input: { title: 'Stolen' } }, { key: bob.apiKey });
    expect(JSON.stringify(foreign).replaceAll(created.id, '<id>')).toBe(JSON.stringify(unknown).replaceAll(unknownId, '<id>'));
    expect((await app.services.workflows.get({ kind: 'admin' }, created.id)).title).toBe('Original title');
  });

  test('a malformed id is a ValidationError on id', async () => {
    const response = await app.gql(UpdateWorkflow, { id: '1234', input: { title: 'x' } }, { key: alice.apiKey });
    const result = response.data?.updateWorkflow;
    expect(result).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_ERROR' });
    expect(result?.__typename === 'ValidationError' && result.fieldErrors.map((e) => e.field)).toEqual(['id']);
  });
});
