import type { Executor, Trx } from '../../db/database.ts';
import type { ApiKeyRow, NewApiKeyRow } from '../../db/schema/api-keys.ts';
import type { CustomerRow, NewCustomerRow } from '../../db/schema/customers.ts';

export function insertCustomer(db: Executor, row: NewCustomerRow): Promise<CustomerRow> {
  return db.insertInto('customers').values(row).returningAll().executeTakeFirstOrThrow();
}

export function insertApiKey(db: Executor, row: NewApiKeyRow): Promise<ApiKeyRow> {
  return db.insertInto('api_keys').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Every key of the customer, revoked ones included, newest first. */
export function listApiKeys(db: Executor, customerId: string): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().where('customer_id', '=', customerId).orderBy('created_at', 'desc').orderBy('id').execute();
}

export function findApiKey(db: Executor, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Locks the customer's row against other changes to its keys until the transaction ends (creating
 * and revoking keys queue behind each other); false when there is no such customer. NO KEY UPDATE:
 * rows that merely reference the customer (a new workflow, a new key) are not held up.
 */
export async function lockCustomerKeys(trx: Trx, customerId: string): Promise<boolean> {
  const row = await trx.selectFrom('customers').select('id').where('id', '=', customerId).forNoKeyUpdate().executeTakeFirst();
  return row !== undefined;
}

export async function isLiveApiKey(db: Executor, id: string): Promise<boolean> {
  const row = await db.selectFrom('api_keys').select('id').where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return row !== undefined;
}

export async function countLiveApiKeys(db: Executor, customerId: string): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('customer_id', '=', customerId)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Revokes the key and, with `cascade`, every key minted with it, with those, and so on down
 * (within its customer: a customer key mints only for its own). Revoking is final: a key revoked
 * before keeps its time. Returns the ids this call revoked, the ones already revoked left out.
 */
export async function revokeApiKeys(trx: Trx, key: { id: string; customerId: string }, cascade: boolean, now: Date): Promise<string[]> {
  const rows = await trx
    .withRecursive('lineage(id)', (db) => {
      const root = db.selectFrom('api_keys').select('id').where('id', '=', key.id);
      if (!cascade) return root;
      return root.union((qb) =>
        qb
          .selectFrom('api_keys as minted')
          .innerJoin('lineage', 'lineage.id', 'minted.minted_by_key_id')
          .select('minted.id')
          .where('minted.customer_id', '=', key.customerId),
      );
    })
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', 'in', (db) => db.selectFrom('lineage').select('lineage.id'))
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Which of these keys are revoked (open subscriptions check theirs with this). */
export async function revokedAmong(db: Executor, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('api_keys').select('id').where('id', 'in', ids).where('revoked_at', 'is not', null).execute();
  return rows.map((row) => row.id);
}

export function findCustomer(db: Executor, id: string): Promise<CustomerRow | undefined> {
  return db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findLiveKeyByHash(db: Executor, keyHash: string): Promise<{ id: string; customer_id: string } | undefined> {
  return db
    .selectFrom('api_keys')
    .select(['id', 'customer_id'])
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function countCustomers(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('customers')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
