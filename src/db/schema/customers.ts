import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

export interface CustomersTable {
  id: ColumnType<string, string | undefined, never>;
  name: string;
  /** Never below zero (a CHECK constraint); every change has a credit_ledger row. */
  credits: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type CustomerRow = Selectable<CustomersTable>;
export type NewCustomerRow = Insertable<CustomersTable>;
export type CustomerRowUpdate = Updateable<CustomersTable>;
