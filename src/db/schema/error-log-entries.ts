import type { ColumnType, Insertable, Selectable } from 'kysely';

/**
 * One accepted logError entry. The rows are the source of truth: the week's object in the bucket
 * is rewritten from them, in id order, under a per-file advisory lock.
 */
export interface ErrorLogEntriesTable {
  id: ColumnType<number, never, never>;
  customer_id: string;
  /** ISO week of the receive time (UTC), e.g. "2024-W15". */
  week: string;
  /** The JSON line as written to the file, without its newline. */
  line: string;
  /** The receive time. */
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type ErrorLogEntryRow = Selectable<ErrorLogEntriesTable>;
export type NewErrorLogEntryRow = Insertable<ErrorLogEntriesTable>;
