import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { CreateCustomer, GrantCredits, Me } from '../operations.ts';

const ModelCatalog = graphql(`
  query ModelCatalog {
    models {
      id
      title
      description
      pipelineModes
      aspectRatios
    }
  }
`);

const ModelCosts = graphql(`
  query ModelCosts($mode: PipelineMode!) {
    models {
      id
      creditCost(pipelineMode: $mode)
    }
  }
`);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.stop());

async function customerCount(): Promise<number> {
  const result = await sql<{ count: string }>`SELECT count(*) AS count FROM customers`.execute(app.db);
  return Number(result.rows[0]!.count);
}

async function apiKeyCount(): Promise<number> {
  const result = await sql<{ count: string }>`SELECT count(*) AS count FROM api_keys`.execute(app.db);
  return Number(result.rows[0]!.count);
}

async function ledger(customerId: string): Promise<number[]> {
  const rows = await app.db.selectFrom('credit_ledger').select('amount').where('customer_id', '=', customerId).orderBy('id').execute();
  return rows.map((row) => row.amount);
}

describe('createCustomer', () => {
  test('returns a key that works, and only its SHA-256 is stored', async () => {
    const created = await app.gql(CreateCustomer, { input: { name: '  Acme Films  ', credits: 12 } }, { key: ADMIN_KEY });
    expect(created.errors).toBeUndefined();
    const payload = created.data!.createCustomer;
    expect(payload.customer).toMatchObject({ name: 'Acme Films', credits: 12 });
    expect(payload.apiKey.length).toBeGreaterThanOrEqual(32);

    const me = await app.gql(Me, {}, { key: payload.apiKey });
    expect(me.status).toBe(200);
    expect(me.data?.me).toEqual({ id: payload.customer.id, name: 'Acme Films', credits: 12 });

    const keys = await app.db.selectFrom('api_keys').selectAll().where('customer_id', '=', payload.customer.id).execute();
    expect(keys).toHaveLength(1);
    expect(keys[0]!.key_hash).not.toBe(payload.apiKey);
    expect(keys[0]!.key_hash).toBe(createHash('sha256').update(payload.apiKey).digest('hex'));
    // No column holds the key itself (the prefix is only a short, recognisable start of it).
    expect(JSON.stringify(keys[0])).not.toContain(payload.apiKey);
    expect(payload.apiKey.startsWith(keys[0]!.key_prefix)).toBe(true);
    expect(keys[0]!.key_prefix.length).toBeLessThan(payload.apiKey.length / 2);

    expect(await ledger(payload.customer.id)).toEqual([12]);
  });

  test('two customers get different keys, each acting for its own customer', async () => {
    const a = await app.gql(CreateCustomer, { input: { name: 'A' } }, { key: ADMIN_KEY });
    const b = await app.gql(CreateCustomer, { input: { name: 'B' } }, { key: ADMIN_KEY });
    expect(a.data!.createCustomer.apiKey).not.toBe(b.data!.createCustomer.apiKey);
    expect(a.data!.createCustomer.customer.credits).toBe(0);
    expect((await app.gql(Me, {}, { key: a.data!.createCustomer.apiKey })).data?.me.id).toBe(a.data!.createCustomer.customer.id);
    expect((await app.gql(Me, {}, { key: b.data!.createCustomer.apiKey })).data?.me.id).toBe(b.data!.createCustomer.customer.id);
    // Without credits nothing is booked.
    expect(await ledger(a.data!.createCustomer.customer.id)).toEqual([]);
  });

  test.each([
    ['an empty name', { name: '' }, 'input.name'],
    ['a blank name', { name: '   ' }, 'input.name'],
    ['a name over 200 characters', { name: 'x'.repeat(201) }, 'input.name'],
    ['negative credits', { name: 'Negative', credits: -1 }, 'input.credits'],
  ])('%s is BAD_USER_INPUT and inserts nothing', async (_case, input, field) => {
    const [customersBefore, keysBefore] = [await customerCount(), await apiKeyCount()];
    const response = await app.gql(CreateCustomer, { input }, { key: ADMIN_KEY });
    expect(response.data).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(response.errors![0]!.extensions?.['fieldErrors']).toEqual([{ field, message: expect.any(String) }]);
    expect(await customerCount()).toBe(customersBefore);
    expect(await apiKeyCount()).toBe(keysBefore);
  });
});

describe('grantCredits', () => {
  test('adds and takes credits, stops at zero, and the ledger always sums to the balance', async () => {
    const { customerId, apiKey } = await app.createCustomer(0, 'Granted');
    const steps: Array<[amount: number, balance: number]> = [
      [10, 10],
      [-3, 7],
      [-100, 0],
      [-5, 0],
      [5, 5],
      [0, 5],
    ];
    for (const [amount, expected] of steps) {
      const response = await app.gql(GrantCredits, { customerId, amount }, { key: ADMIN_KEY });
      expect(response.errors).toBeUndefined();
      expect(response.data?.grantCredits).toEqual({ id: customerId, credits: expected });
      expect((await app.gql(Me, {}, { key: apiKey })).data?.me.credits).toBe(expected);
      expect(await app.services.credits.ledgerSum(customerId)).toBe(expected);
    }
    // The ledger records what really changed: -7 for the clamped -100, nothing for -5 at zero or for 0.
    expect(await ledger(customerId)).toEqual([10, -3, -7, 5]);
  });

  test('concurrent grants all count', async () => {
    const { customerId } = await app.createCustomer(0, 'Concurrent');
    await Promise.all(Array.from({ length: 10 }, () => app.gql(GrantCredits, { customerId, amount: 3 }, { key: ADMIN_KEY })));
    expect((await app.services.customers.get(customerId)).credits).toBe(30);
    await Promise.all(Array.from({ length: 10 }, () => app.gql(GrantCredits, { customerId, amount: -4 }, { key: ADMIN_KEY })));
    expect((await app.services.customers.get(customerId)).credits).toBe(0);
    expect(await app.services.credits.ledgerSum(customerId)).toBe(0);
  });

  test('the balance never passes what the column holds', async () => {
    const { customerId } = await app.createCustomer(10, 'Rich');
    const response = await app.gql(GrantCredits, { customerId, amount: 2_147_483_647 }, { key: ADMIN_KEY });
    expect(response.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.extensions?.['fieldErrors']).toEqual([{ field: 'amount', message: expect.any(String) }]);
    expect((await app.services.customers.get(customerId)).credits).toBe(10);
    expect(await ledger(customerId)).toEqual([10]);
  });

  test('credits reserved by a running workflow count: its refund can never overflow the balance', async () => {
    const { customerId } = await app.createCustomer(5, 'Busy');
    const running = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
    expect((await app.services.customers.get(customerId)).credits).toBe(0);
    // 0 + 2,147,483,647 fits the column, but not once the 5 reserved credits come back.
    const tooMuch = await app.gql(GrantCredits, { customerId, amount: 2_147_483_647 }, { key: ADMIN_KEY });
    expect(tooMuch.errors?.[0]?.extensions?.['fieldErrors']).toEqual([{ field: 'amount', message: expect.stringMatching(/5 reserved/) }]);
    const most = await app.gql(GrantCredits, { customerId, amount: 2_147_483_647 - 5 }, { key: ADMIN_KEY });
    expect(most.errors).toBeUndefined();
    const owner = { kind: 'customer', customerId } as const;
    expect((await app.services.workflows.cancel(owner, running.id)).processingStatus).toBe('CANCELED');
    expect((await app.services.customers.get(customerId)).credits).toBe(2_147_483_647);
    expect(await app.services.credits.ledgerSum(customerId)).toBe(2_147_483_647);
  });

  test('an unknown customer is NOT_FOUND and a malformed id BAD_USER_INPUT', async () => {
    const unknown = await app.gql(GrantCredits, { customerId: randomUUID(), amount: 5 }, { key: ADMIN_KEY });
    expect(unknown.data).toBeNull();
    expect(unknown.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');

    const malformed = await app.gql(GrantCredits, { customerId: 'customer-1', amount: 5 }, { key: ADMIN_KEY });
    expect(malformed.data).toBeNull();
    expect(malformed.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(malformed.errors?.[0]?.extensions?.['fieldErrors']).toEqual([{ field: 'customerId', message: expect.any(String) }]);
  });
});

describe('models', () => {
  test('lists vim_new_year_2026 and one more, with their modes and aspect ratios', async () => {
    const response = await app.gql(ModelCatalog, {});
    expect(response.errors).toBeUndefined();
    const models = response.data!.models;
    expect(models.length).toBeGreaterThanOrEqual(2);
    expect(new Set(models.map((m) => m.id)).size).toBe(models.length);
    const vim = models.find((m) => m.id === 'vim_new_year_2026');
    expect(vim).toMatchObject({ pipelineModes: ['IMAGE', 'VIDEO'] });
    expect([...vim!.aspectRatios].sort()).toEqual(['16:9', '1:1', '4:5', '9:16']);
    for (const model of models) {
      expect(model.title.length).toBeGreaterThan(0);
      expect(model.description.length).toBeGreaterThan(0);
      expect(model.pipelineModes.length).toBeGreaterThan(0);
      expect(model.aspectRatios.length).toBeGreaterThan(0);
      for (const ratio of model.aspectRatios) expect(ratio).toMatch(/^\d+:\d+$/);
    }
  });

  test('costs per pipeline mode: vim_new_year_2026 is 1 for IMAGE and 5 for VIDEO', async () => {
    const catalog = (await app.gql(ModelCatalog, {})).data!.models;
    const costs = new Map<string, number>();
    for (const mode of ['IMAGE', 'VIDEO'] as const) {
      const response = await app.gql(ModelCosts, { mode });
      const lacking = catalog.filter((m) => !m.pipelineModes.includes(mode));
      if (lacking.length === 0) {
        expect(response.errors).toBeUndefined();
        for (const model of response.data!.models) {
          expect(model.creditCost).toBeGreaterThan(0);
          costs.set(`${model.id}/${mode}`, model.creditCost);
        }
      } else {
        // A mode a model does not offer has no cost: an input error, never a made-up number.
        expect(response.errors?.length).toBeGreaterThan(0);
        for (const error of response.errors!) expect(error.extensions?.['code']).toBe('BAD_USER_INPUT');
      }
    }
    expect(costs.get('vim_new_year_2026/VIDEO')).toBe(5);
    // A run is charged the same cost the model advertises.
    const { customerId } = await app.createCustomer(10, 'Buyer');
    const image = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'IMAGE' } });
    const video = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
    expect([image.creditCost, video.creditCost]).toEqual([1, 5]);
    expect((await app.services.customers.get(customerId)).credits).toBe(4);
    if (costs.has('vim_new_year_2026/IMAGE')) expect(costs.get('vim_new_year_2026/IMAGE')).toBe(1);
  });
});
