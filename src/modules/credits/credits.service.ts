import type { Database, Trx } from '../../db/database.ts';
import { InsufficientCreditError, NotFoundError, ValidationError } from '../shared/errors.ts';
import * as credits from './credits.repository.ts';

/** customers.credits is a Postgres integer: past this the UPDATE fails with "integer out of range". */
const MAX_BALANCE = 2_147_483_647;

export class CreditsService {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  /**
   * Refuses a run the balance cannot cover, before any work on its input: an early answer only,
   * without a lock. `reserve`, in the run's transaction, is what decides under concurrency.
   */
  async ensureCovered(customerId: string, amount: number): Promise<void> {
    if (amount === 0) return;
    const available = await credits.balance(this.db, customerId);
    if (available === undefined) throw new NotFoundError('Customer', customerId);
    if (available < amount) throw new InsufficientCreditError(amount, available);
  }

  /** Takes a run's cost inside the caller's transaction, with its ledger entry. */
  async reserve(trx: Trx, customerId: string, amount: number, workflowId: string): Promise<void> {
    if (amount === 0) return;
    const after = await credits.debitIfCovered(trx, customerId, amount);
    if (after === undefined) {
      const available = await credits.balance(trx, customerId);
      if (available === undefined) throw new NotFoundError('Customer', customerId);
      throw new InsufficientCreditError(amount, available);
    }
    await credits.insertLedgerEntry(trx, { customer_id: customerId, amount: -amount, reason: 'RESERVATION', workflow_id: workflowId });
  }

  /** Gives a run's cost back (a failed, canceled or deleted run). */
  async refund(trx: Trx, customerId: string, amount: number, workflowId: string): Promise<void> {
    if (amount === 0) return;
    await credits.addToBalance(trx, customerId, amount);
    await credits.insertLedgerEntry(trx, { customer_id: customerId, amount, reason: 'REFUND', workflow_id: workflowId });
  }

  /** Adds (or, negative, takes) credits; the balance stops at zero and the ledger records what really changed. */
  async grant(customerId: string, amount: number, trx?: Trx): Promise<number> {
    const run = async (t: Trx) => {
      const before = await credits.lockBalance(t, customerId);
      if (before === undefined) throw new NotFoundError('Customer', customerId);
      const change = Math.max(amount, -before);
      if (change === 0) return before;
      // Reserved credits come back on a refund, which must never fail: they count as balance here.
      const reserved = change > 0 ? await credits.reservedCredits(t, customerId) : 0;
      if (before + reserved + change > MAX_BALANCE) {
        const held = reserved > 0 ? ` (with ${reserved} reserved by unfinished runs)` : '';
        throw ValidationError.field('amount', `would take the balance of ${before}${held} past ${MAX_BALANCE}`);
      }
      const after = await credits.addToBalance(t, customerId, change);
      await credits.insertLedgerEntry(t, { customer_id: customerId, amount: change, reason: 'GRANT', workflow_id: null });
      return after;
    };
    return trx ? run(trx) : this.db.transaction().execute(run);
  }

  ledgerSum(customerId: string): Promise<number> {
    return credits.ledgerSum(this.db, customerId);
  }
}
