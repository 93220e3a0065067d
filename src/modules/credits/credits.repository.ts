import { sql } from 'kysely';
import type { Executor, Trx } from '../../db/database.ts';
import type { NewCreditLedgerRow } from '../../db/schema/credit-ledger.ts';

/**
 * Takes `amount` from the balance in one statement, only if the balance covers it; the row lock
 * it takes makes concurrent debits queue, so the balance never goes below zero.
 * Returns the new balance, or undefined when the balance is too low (or the customer is unknown).
 */
export async function debitIfCovered(trx: Trx, customerId: string, amount: number): Promise<number | undefined> {
  const row = await trx
    .updateTable('customers')
    .set({ credits: sql`credits - ${amount}` })
    .where('id', '=', customerId)
    .where('credits', '>=', amount)
    .returning('credits')
    .executeTakeFirst();
  return row?.credits;
}

/**
 * Credits held by the customer's unfinished runs: each comes back to the balance if its run fails
 * or is canceled. Read after the balance's row lock, it includes every reservation committed so far.
 */
export async function reservedCredits(trx: Trx, customerId: string): Promise<number> {
  const row = await trx
    .selectFrom('workflows')
    .select(sql<string>`coalesce(sum(credit_cost), 0)`.as('reserved'))
    .where('customer_id', '=', customerId)
    .where('processing_status', 'in', ['QUEUED', 'PROCESSING'])
    .executeTakeFirstOrThrow();
  return Number(row.reserved);
}

/** Reads the balance and locks the customer's row until the transaction ends. */
export async function lockBalance(trx: Trx, customerId: string): Promise<number | undefined> {
  const row = await trx.selectFrom('customers').select('credits').where('id', '=', customerId).forUpdate().executeTakeFirst();
  return row?.credits;
}

export async function addToBalance(trx: Trx, customerId: string, amount: number): Promise<number> {
  const row = await trx
    .updateTable('customers')
    .set({ credits: sql`credits + ${amount}` })
    .where('id', '=', customerId)
    .returning('credits')
    .executeTakeFirstOrThrow();
  return row.credits;
}

export async function balance(db: Executor, customerId: string): Promise<number | undefined> {
  const row = await db.selectFrom('customers').select('credits').where('id', '=', customerId).executeTakeFirst();
  return row?.credits;
}

export async function insertLedgerEntry(trx: Trx, entry: NewCreditLedgerRow): Promise<void> {
  await trx.insertInto('credit_ledger').values(entry).execute();
}

/** Sum of the ledger of a customer: equals the balance while the books are right. */
export async function ledgerSum(db: Executor, customerId: string): Promise<number> {
  const row = await db
    .selectFrom('credit_ledger')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('amount'), sql<string>`0`).as('total'))
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow();
  return Number(row.total);
}
