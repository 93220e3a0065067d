import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { CreateCustomer, GetWorkflow, GrantCredits, ListWorkflows, Me, UpdateWorkflow } from '../operations.ts';

const ModelIds = graphql(`
  query ModelIds {
    models {
      id
    }
  }
`);

const Introspection = graphql(`
  query Introspection {
    __schema {
      queryType {
        name
      }
      mutationType {
        name
      }
    }
  }
`);

let app: TestApp;
let alice: { customerId: string; apiKey: string };
let bob: { customerId: string; apiKey: string };
let alicePrivate: string;
let alicePublic: string;

beforeAll(async () => {
  app = await startTestApp();
  alice = await app.createCustomer(50, 'Alice');
  bob = await app.createCustomer(50, 'Bob');
  alicePrivate = (await createWorkflowFor(app, alice.customerId, { title: 'private one' })).id;
  alicePublic = (await createWorkflowFor(app, alice.customerId, { title: 'public one', visibilityStatus: 'PUBLIC' })).id;
});
afterAll(() => app?.stop());

function expectUnauthenticated(response: { status: number; data?: unknown; errors?: Array<{ extensions?: Record<string, unknown> }> }) {
  expect(response.status).toBe(401);
  expect(response.errors?.length).toBeGreaterThan(0);
  expect(response.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
}

describe('without a key', () => {
  test('models and introspection work', async () => {
    const models = await app.gql(ModelIds, {});
    expect(models.status).toBe(200);
    expect(models.errors).toBeUndefined();
    expect(models.data?.models.length).toBeGreaterThanOrEqual(2);

    const schema = await app.gql(Introspection, {});
    expect(schema.status).toBe(200);
    expect(schema.errors).toBeUndefined();
    expect(schema.data?.__schema.queryType.name).toBe('Query');
    expect(schema.data?.__schema.mutationType?.name).toBe('Mutation');
  });

  test('a PUBLIC workflow is visible, a PRIVATE one is not', async () => {
    const pub = await app.gql(GetWorkflow, { id: alicePublic });
    expect(pub.status).toBe(200);
    expect(pub.data?.workflow).toMatchObject({ __typename: 'Workflow', id: alicePublic, title: 'public one', visibilityStatus: 'PUBLIC' });

    const priv = await app.gql(GetWorkflow, { id: alicePrivate });
    expect(priv.data?.workflow).toMatchObject({
      __typename: 'NotFoundError',
      code: 'NOT_FOUND',
      resource: 'Workflow',
      missingId: alicePrivate,
    });
  });

  test('every other field is UNAUTHENTICATED with HTTP 401', async () => {
    expectUnauthenticated(await app.gql(Me, {}));
    expectUnauthenticated(await app.gql(ListWorkflows, {}));
    expectUnauthenticated(await app.gql(UpdateWorkflow, { id: alicePublic, input: { title: 'hijacked' } }));
    expectUnauthenticated(await app.gql(CreateCustomer, { input: { name: 'Mallory' } }));
    expectUnauthenticated(await app.gql(GrantCredits, { customerId: alice.customerId, amount: 1000 }));
    const unchanged = await app.services.workflows.get({ kind: 'admin' }, alicePublic);
    expect(unchanged.title).toBe('public one');
    expect((await app.services.customers.get(alice.customerId)).credits).toBe(50 - 2);
  });
});

describe('a bad key', () => {
  const badHeaders = {
    'an unknown key': 'Bearer fw_thisKeyWasNeverIssuedToAnyone000000',
    'a Basic header': 'Basic x',
    'Bearer with nothing after it': 'Bearer',
    'a key without the scheme': 'fw_thisKeyWasNeverIssuedToAnyone000000',
    'two words after Bearer': 'Bearer one two',
  };

  test.each(Object.entries(badHeaders))('%s is UNAUTHENTICATED even on public fields', async (_name, authorization) => {
    expectUnauthenticated(await app.gql(ModelIds, {}, { authorization }));
    expectUnauthenticated(await app.gql(GetWorkflow, { id: alicePublic }, { authorization }));
    expectUnauthenticated(await app.gql(Me, {}, { authorization }));
  });

  test('the admin key with a typo is not the admin key', async () => {
    expectUnauthenticated(await app.gql(CreateCustomer, { input: { name: 'Mallory' } }, { key: `${ADMIN_KEY}x` }));
  });

  test('the scheme is case-insensitive and a valid key works', async () => {
    const me = await app.gql(Me, {}, { authorization: `bearer ${alice.apiKey}` });
    expect(me.status).toBe(200);
    expect(me.data?.me).toEqual({ id: alice.customerId, name: 'Alice', credits: 48 });
  });
});

describe('admin-only and customer-only fields', () => {
  test('createCustomer and grantCredits with a customer key are FORBIDDEN', async () => {
    const create = await app.gql(CreateCustomer, { input: { name: 'Mallory', credits: 10 } }, { key: alice.apiKey });
    expect(create.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(create.data).toBeNull();
    const grant = await app.gql(GrantCredits, { customerId: alice.customerId, amount: 1000 }, { key: alice.apiKey });
    expect(grant.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect((await app.services.customers.get(alice.customerId)).credits).toBe(48);
    expect(await app.services.customers.count()).toBe(2);
  });

  test('me with the admin key is FORBIDDEN (the admin has no customer)', async () => {
    const me = await app.gql(Me, {}, { key: ADMIN_KEY });
    expect(me.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  });

  test('the admin key may call the admin-only fields', async () => {
    const grant = await app.gql(GrantCredits, { customerId: bob.customerId, amount: 1 }, { key: ADMIN_KEY });
    expect(grant.errors).toBeUndefined();
    expect(grant.data?.grantCredits).toEqual({ id: bob.customerId, credits: 51 });
    await app.gql(GrantCredits, { customerId: bob.customerId, amount: -1 }, { key: ADMIN_KEY });
  });
});

describe('workflows of other customers', () => {
  test("another customer's PRIVATE workflow answers exactly like an unknown id", async () => {
    const foreign = await app.gql(GetWorkflow, { id: alicePrivate }, { key: bob.apiKey });
    const unknownId = randomUUID();
    const unknown = await app.gql(GetWorkflow, { id: unknownId }, { key: bob.apiKey });
    expect(foreign.status).toBe(200);
    expect(foreign.data?.workflow).toMatchObject({
      __typename: 'NotFoundError',
      code: 'NOT_FOUND',
      resource: 'Workflow',
      missingId: alicePrivate,
    });
    const normalize = (value: unknown, id: string) => JSON.stringify(value).replaceAll(id, '<id>');
    expect(normalize(foreign, alicePrivate)).toBe(normalize(unknown, unknownId));
  });

  test("another customer's PUBLIC workflow is visible without its private fields; the owner and the admin see both, whole", async () => {
    for (const key of [bob.apiKey, undefined]) {
      const pub = await app.gql(GetWorkflow, { id: alicePublic }, { key });
      // Who it is for (often an e-mail), whose it is and the original upload stay the owner's.
      expect(pub.data?.workflow).toMatchObject({
        __typename: 'Workflow',
        id: alicePublic,
        customerId: null,
        primaryUserId: null,
        source: null,
      });
    }
    for (const key of [alice.apiKey, ADMIN_KEY]) {
      const own = await app.gql(GetWorkflow, { id: alicePrivate }, { key });
      expect(own.data?.workflow).toMatchObject({ __typename: 'Workflow', id: alicePrivate, visibilityStatus: 'PRIVATE' });
      const pub = await app.gql(GetWorkflow, { id: alicePublic }, { key });
      expect(pub.data?.workflow).toMatchObject({
        customerId: alice.customerId,
        primaryUserId: 'user-1',
        source: { contentType: 'image/png' },
      });
    }
  });

  test('a PUBLIC workflow can be seen but not changed by another customer', async () => {
    const update = await app.gql(UpdateWorkflow, { id: alicePublic, input: { title: 'mine now' } }, { key: bob.apiKey });
    expect(update.data?.updateWorkflow).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect((await app.services.workflows.get({ kind: 'admin' }, alicePublic)).title).toBe('public one');
  });

  test('a malformed id is a ValidationError on id, for anyone', async () => {
    for (const key of [undefined, bob.apiKey, ADMIN_KEY]) {
      const response = await app.gql(GetWorkflow, { id: 'not-a-uuid' }, { key });
      expect(response.status).toBe(200);
      expect(response.data?.workflow).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_ERROR' });
      const workflow = response.data?.workflow;
      expect(workflow?.__typename === 'ValidationError' && workflow.fieldErrors.map((e) => e.field)).toEqual(['id']);
    }
  });
});
