import type { ColumnType, Insertable, Selectable } from 'kysely';

/** Objects stored ahead of the transaction that records them; a row left behind marks an orphan. */
export interface PendingObjectsTable {
  key: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type PendingObjectRow = Selectable<PendingObjectsTable>;
export type NewPendingObjectRow = Insertable<PendingObjectsTable>;
