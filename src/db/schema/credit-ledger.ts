import type { ColumnType, Insertable, Selectable } from 'kysely';

export type CreditReason = 'GRANT' | 'RESERVATION' | 'REFUND';

export interface CreditLedgerTable {
  id: ColumnType<string, never, never>;
  customer_id: string;
  /** Signed change of the balance. */
  amount: number;
  reason: CreditReason;
  /** No foreign key: the ledger outlives deleted workflows. */
  workflow_id: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type CreditLedgerRow = Selectable<CreditLedgerTable>;
export type NewCreditLedgerRow = Insertable<CreditLedgerTable>;
