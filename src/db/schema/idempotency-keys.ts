import type { ColumnType, Insertable, Selectable } from 'kysely';

export interface IdempotencyKeysTable {
  customer_id: string;
  key: string;
  workflow_id: string;
  created_at: ColumnType<Date, Date | undefined, Date>;
}

export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>;
export type NewIdempotencyKeyRow = Insertable<IdempotencyKeysTable>;
