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
        mintedByKeyId
      }
    }
  }
`);

const RevokeApiKey = graphql(`
  mutation RevokeApiKey($id: ID!, $cascade: Boolean) {
    revokeApiKey(id: $id, cascade: $cascade) {
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
        mintedByKeyId
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
    expect(keys[0]).toEqual({ id: second.key.id, prefix: second.key.prefix, revokedAt: null, mintedByKeyId: keys[1]!.id });
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

  test('another API process stops accepting a revoked key, and the keys it minted when the revoke cascades, long before its cache would expire', async () => {
    const owner = await app.createCustomer(0);
    const spare = await newKey(owner.apiKey);
    const child = await newKey(spare.apiKey);
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
      for (const key of [spare.apiKey, child.apiKey]) {
        expect(((await (await me(key)).json()) as { data: { me: { id: string } } }).data.me.id).toBe(owner.customerId);
      }
      // Revoked through this process; the other one still has both keys remembered.
      await app.gql(RevokeApiKey, { id: spare.key.id, cascade: true }, { key: owner.apiKey });
      for (const key of [spare.apiKey, child.apiKey]) {
        let status = 200;
        while (status === 200) {
          status = (await me(key)).status;
          if (status === 200) await sleep(50);
        }
        expect(status).toBe(401);
      }
      expect((await me(owner.apiKey)).status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});

/** Whether the key is accepted (me answers) or refused (401 UNAUTHENTICATED); anything else fails the test. */
async function works(key: string): Promise<boolean> {
  const response = await app.gql(Me, {}, { key });
  if (response.status === 401 && response.errors?.[0]?.extensions?.['code'] === 'UNAUTHENTICATED') return false;
  if (response.status === 200 && response.data?.me) return true;
  throw new Error(`unexpected answer: ${JSON.stringify(response)}`);
}

async function liveKeyCount(key: string): Promise<number> {
  const keys = (await app.gql(MyKeys, {}, { key })).data!.me.apiKeys;
  return keys.filter((k) => k.revokedAt === null).length;
}

describe('minting keys', () => {
  test('a customer holds at most MAX_API_KEYS_PER_CUSTOMER (20) live keys: the 21st is BAD_REQUEST and stores nothing, for the admin too', async () => {
    const owner = await app.createCustomer(0);
    const byAdmin = await newKey(ADMIN_KEY, owner.customerId);
    const minted = [byAdmin];
    // createCustomer's key, the admin's, and 18 more: 20 live keys.
    for (let i = 0; i < 18; i += 1) minted.push(await newKey(owner.apiKey));
    expect(await liveKeyCount(owner.apiKey)).toBe(20);

    for (const key of [owner.apiKey, minted[5]!.apiKey, ADMIN_KEY]) {
      const refused = await app.gql(CreateApiKey, { customerId: key === ADMIN_KEY ? owner.customerId : undefined }, { key });
      expect(refused.data).toBeNull();
      expect(refused.errors?.[0]?.extensions?.['code']).toBe('BAD_REQUEST');
      expect(refused.errors?.[0]?.message).toMatch(/at most 20 live API keys.*revoke one/);
    }
    const keys = (await app.gql(MyKeys, {}, { key: owner.apiKey })).data!.me.apiKeys;
    expect(keys).toHaveLength(20);

    // A revoked key makes room for exactly one more; revoked keys do not count.
    await app.gql(RevokeApiKey, { id: minted[3]!.key.id }, { key: owner.apiKey });
    await newKey(owner.apiKey);
    const full = await app.gql(CreateApiKey, {}, { key: owner.apiKey });
    expect(full.errors?.[0]?.extensions?.['code']).toBe('BAD_REQUEST');
    expect(await liveKeyCount(owner.apiKey)).toBe(20);

    // Another customer has its own 20.
    const other = await app.createCustomer(0);
    expect((await newKey(other.apiKey)).apiKey).toMatch(/^fw_/);
  });

  test('concurrent createApiKey calls cannot pass the cap together', async () => {
    const owner = await app.createCustomer(0);
    for (let i = 0; i < 17; i += 1) await newKey(owner.apiKey);
    // 18 live keys: of 6 racing requests, exactly 2 may succeed.
    const answers = await Promise.all(Array.from({ length: 6 }, () => app.gql(CreateApiKey, {}, { key: owner.apiKey })));
    const codes = answers.map((answer) => (answer.data?.createApiKey ? 'ok' : answer.errors?.[0]?.extensions?.['code'])).sort();
    expect(codes).toEqual(['BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST', 'ok', 'ok']);
    expect(await liveKeyCount(owner.apiKey)).toBe(20);
  });

  test('each key records the key it was minted with; the admin key (not a row) and createCustomer leave it null', async () => {
    const owner = await app.createCustomer(0);
    const child = await newKey(owner.apiKey);
    const grandchild = await newKey(child.apiKey);
    const byAdmin = await newKey(ADMIN_KEY, owner.customerId);
    const keys = (await app.gql(MyKeys, {}, { key: owner.apiKey })).data!.me.apiKeys;
    const first = keys.find((key) => ![child.key.id, grandchild.key.id, byAdmin.key.id].includes(key.id))!;
    expect(first.mintedByKeyId).toBeNull();
    expect(child.key.mintedByKeyId).toBe(first.id);
    expect(grandchild.key.mintedByKeyId).toBe(child.key.id);
    expect(byAdmin.key.mintedByKeyId).toBeNull();
  });
});

describe('revokeApiKey with cascade', () => {
  test("without cascade the keys a key minted live on; with it they go, and theirs, down the whole line; keys the admin made are nobody's children", async () => {
    const owner = await app.createCustomer(0);
    // owner → a → b → d, a → c, owner → e; the admin makes f.
    const a = await newKey(owner.apiKey);
    const b = await newKey(a.apiKey);
    const c = await newKey(a.apiKey);
    const d = await newKey(b.apiKey);
    const e = await newKey(owner.apiKey);
    const f = await newKey(ADMIN_KEY, owner.customerId);

    // Without cascade (the default): only b goes; d, which b minted, still works.
    const plain = await app.gql(RevokeApiKey, { id: b.key.id }, { key: owner.apiKey });
    expect(plain.data?.revokeApiKey).toMatchObject({ __typename: 'ApiKey', id: b.key.id, revokedAt: expect.any(String) });
    const bRevokedAt = (plain.data!.revokeApiKey as { revokedAt: string }).revokedAt;
    expect(await works(b.apiKey)).toBe(false);
    expect(await works(d.apiKey)).toBe(true);
    expect(await works(a.apiKey)).toBe(true);

    // With cascade: a, its children b and c, and its grandchild d (through b, already revoked).
    const cascaded = await app.gql(RevokeApiKey, { id: a.key.id, cascade: true }, { key: owner.apiKey });
    expect(cascaded.data?.revokeApiKey).toMatchObject({ __typename: 'ApiKey', id: a.key.id, revokedAt: expect.any(String) });
    for (const key of [a, b, c, d]) expect(await works(key.apiKey)).toBe(false);
    for (const key of [owner.apiKey, e.apiKey, f.apiKey]) expect(await works(key)).toBe(true);
    // Revoking is final: b keeps the time of its own revocation.
    const listed = (await app.gql(MyKeys, {}, { key: owner.apiKey })).data!.me.apiKeys;
    expect(listed.find((key) => key.id === b.key.id)?.revokedAt).toBe(bRevokedAt);
    expect(
      listed
        .filter((key) => key.revokedAt === null)
        .map((key) => key.id)
        .sort(),
    ).toEqual([listed.find((key) => key.mintedByKeyId === null && key.id !== f.key.id)!.id, e.key.id, f.key.id].sort());

    // The admin cascades from the customer's first key: e goes with it, f (the admin's) stays.
    const first = listed.find((key) => key.mintedByKeyId === null && key.id !== f.key.id)!;
    await app.gql(RevokeApiKey, { id: first.id, cascade: true }, { key: ADMIN_KEY });
    expect(await works(owner.apiKey)).toBe(false);
    expect(await works(e.apiKey)).toBe(false);
    expect(await works(f.apiKey)).toBe(true);
  });

  test("a cascade stays within the key's customer, and ends the open subscriptions of every key it revokes", async () => {
    const owner = await app.createCustomer(5);
    const bystander = await app.createCustomer(0);
    const child = await newKey(owner.apiKey);
    const grandchild = await newKey(child.apiKey);
    const workflow = await createWorkflowFor(app, owner.customerId);
    const clients = [wsClient(app.url, grandchild.apiKey), wsClient(app.url, owner.apiKey)];
    try {
      const doomed = subscribeWs(clients[0]!, { id: workflow.id });
      const kept = subscribeWs(clients[1]!, { id: workflow.id });
      await Promise.all([doomed.received(1), kept.received(1)]);
      // Another customer cannot reach the key, with or without cascade.
      const foreign = await app.gql(RevokeApiKey, { id: child.key.id, cascade: true }, { key: bystander.apiKey });
      expect(foreign.data?.revokeApiKey).toMatchObject({ __typename: 'NotFoundError' });
      expect(await works(grandchild.apiKey)).toBe(true);

      await app.gql(RevokeApiKey, { id: child.key.id, cascade: true }, { key: owner.apiKey });
      expect((await doomed.ended).errors[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
      await app.services.workflows.update({ kind: 'customer', customerId: owner.customerId }, workflow.id, { title: 'still followed' });
      await kept.received(2);
      kept.close();
      expect(await works(bystander.apiKey)).toBe(true);
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });
});
