import { sql } from 'kysely';
import type { Executor } from '../../db/database.ts';
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

/** Revoking is final: a second call keeps the first time. */
export function revokeApiKey(db: Executor, id: string, now: Date): Promise<ApiKeyRow> {
  return db
    .updateTable('api_keys')
    .set({ revoked_at: sql`coalesce(revoked_at, ${now})` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
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
