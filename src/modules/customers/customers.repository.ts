import type { Executor } from '../../db/database.ts';
import type { CustomerRow, NewCustomerRow } from '../../db/schema/customers.ts';
import type { NewApiKeyRow } from '../../db/schema/api-keys.ts';

export function insertCustomer(db: Executor, row: NewCustomerRow): Promise<CustomerRow> {
  return db.insertInto('customers').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function insertApiKey(db: Executor, row: NewApiKeyRow): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

export function findCustomer(db: Executor, id: string): Promise<CustomerRow | undefined> {
  return db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findCustomerIdByKeyHash(db: Executor, keyHash: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select('customer_id')
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row?.customer_id;
}

export async function countCustomers(db: Executor): Promise<number> {
  const row = await db.selectFrom('customers').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}
