import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/harness.ts';
import { spawnApiProcess } from '../helpers/processes.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { Me } from '../operations.ts';
import { subscribeWs, wsClient } from '../subscriptions/clients.ts';

const CreateApiKey = graphql(`
  mutation CreateApiKey($customerId: ID) {
    createApiKey(customerId: $customerId) {
      apiKey
      key {
        id
        prefix
        createdAt
        revokedAt
      }
    }
  }
`);

const RevokeApiKey = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      __typename
      ... on ApiKey {
        id
        revokedAt
      }
      ...ErrorFields
    }
  }
`);

const MyKeys = graphql(`
  query MyKeys {
    me {
      apiKeys {
        id
        prefix
        revokedAt
      }
    }
  }
`);

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app.stop();
});

async function newKey(key: string, customerId?: string) {
  const response = await app.gql(CreateApiKey, { customerId }, { key });
  if (!response.data) throw new Error(JSON.stringify(response));
  return response.data.createApiKey;
}

describe('API keys', () => {
  test('a customer adds a key; both work; apiKeys lists them newest first, never the key itself', async () => {
    const { apiKey: first } = await app.createCustomer(0);
    const second = await newKey(first);
    expect(second.apiKey.startsWith(second.key.prefix)).toBe(true);
    expect((await app.gql(Me, {}, { key: second.apiKey })).data?.me).toBeTruthy();
    expect((await app.gql(Me, {}, { key: first })).data?.me).toBeTruthy();
    const keys = (await app.gql(MyKeys, {}, { key: first })).data!.me.apiKeys;
    expect(keys).toHaveLength(2);
    expect(keys[0]).toEqual({ id: second.key.id, prefix: second.key.prefix, revokedAt: null });
    expect(JSON.stringify(keys)).not.toContain(second.apiKey);
  });

  test('the admin adds a key for the customer it names; a customer cannot name another', async () => {
    const alice = await app.createCustomer(0);
    const bob = await app.createCustomer(0);
    const made = await newKey(ADMIN_KEY, alice.customerId);
    expect((await app.gql(Me, {}, { key: made.apiKey })).data?.me.id).toBe(alice.customerId);
    const forBob = await app.gql(CreateApiKey, { customerId: bob.customerId }, { key: alice.apiKey });
    expect(forBob.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const unnamed = await app.gql(CreateApiKey, {}, { key: ADMIN_KEY });
    expect(unnamed.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect((await app.gql(CreateApiKey, {}, {})).status).toBe(401);
  });

  test("a revoked key is refused at once; revoking is final; another customer's key is NotFound", async () => {
    const alice = await app.createCustomer(0);
    const bob = await app.createCustomer(0);
    const spare = await newKey(alice.apiKey);
    expect((await app.gql(RevokeApiKey, { id: spare.key.id }, { key: bob.apiKey })).data?.revokeApiKey).toMatchObject({
      __typename: 'NotFoundError',
    });
    const revoked = await app.gql(RevokeApiKey, { id: spare.key.id }, { key: alice.apiKey });
    expect(revoked.data?.revokeApiKey).toMatchObject({ __typename: 'ApiKey', id: spare.key.id, revokedAt: expect.any(String) });
    const refused = await app.gql(Me, {}, { key: spare.apiKey });
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    const firstTime = (revoked.data!.revokeApiKey as { revokedAt: string }).revokedAt;
    const again = await app.gql(RevokeApiKey, { id: spare.key.id }, { key: ADMIN_KEY });
    expect(again.data?.revokeApiKey).toMatchObject({ revokedAt: firstTime });
    expect((await app.gql(Me, {}, { key: alice.apiKey })).data?.me.id).toBe(alice.customerId);
  });

  test("revoking a key ends that key's open subscriptions with UNAUTHENTICATED, and only those", async () => {
    const owner = await app.createCustomer(5);
    const spare = await newKey(owner.apiKey);
    const workflow = await createWorkflowFor(app, owner.customerId);
    const doomedClient = wsClient(app.url, spare.apiKey);
    const keptClient = wsClient(app.url, owner.apiKey);
    try {
      const doomed = subscribeWs(doomedClient, { id: workflow.id });
      const kept = subscribeWs(keptClient, { id: workflow.id });
      await Promise.all([doomed.received(1), kept.received(1)]);
      await app.gql(RevokeApiKey, { id: spare.key.id }, { key: owner.apiKey });
      const ended = await doomed.ended;
      expect(ended.errors[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
      // The owner's other key follows on: a change still reaches it.
      await app.services.workflows.update({ kind: 'customer', customerId: owner.customerId }, workflow.id, { title: 'still followed' });
      await kept.received(2);
      kept.close();
    } finally {
      await doomedClient.dispose();
      await keptClient.dispose();
    }
  });

  test('a key in use, so remembered by the process, is refused on its very next request once revoked', async () => {
    const owner = await app.createCustomer(0);
    const spare = await newKey(owner.apiKey);
    for (let i = 0; i < 2; i += 1) expect((await app.gql(Me, {}, { key: spare.apiKey })).data?.me.id).toBe(owner.customerId);
    await app.gql(RevokeApiKey, { id: spare.key.id }, { key: owner.apiKey });
    const refused = await app.gql(Me, {}, { key: spare.apiKey });
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  test('another API process stops accepting a revoked key when the revocation reaches it, long before its cache would expire', async () => {
    const owner = await app.createCustomer(0);
    const spare = await newKey(owner.apiKey);
    // An hour-long cache: only the revocation's NOTIFY can make this process refuse the key in time.
    const other = await spawnApiProcess({ ...app.serviceEnv, API_KEY_CACHE_SECONDS: '3600' });
    try {
      while (!other.output().some((line) => line.includes('following key revocations'))) await sleep(50);
      const me = (key: string) =>
        fetch(`http://127.0.0.1:${other.port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: '{ me { id } }' }),
        });
      expect(((await (await me(spare.apiKey)).json()) as { data: { me: { id: string } } }).data.me.id).toBe(owner.customerId);
      // Revoked through this process; the other one still has the key remembered.
      await app.gql(RevokeApiKey, { id: spare.key.id }, { key: owner.apiKey });
      let status = 200;
      while (status === 200) {
        status = (await me(spare.apiKey)).status;
        if (status === 200) await sleep(50);
      }
      expect(status).toBe(401);
      expect((await me(owner.apiKey)).status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});
