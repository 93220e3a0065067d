import type { ColumnType, Insertable, Selectable } from 'kysely';

export interface UploadsTable {
  id: string;
  customer_id: string;
  key: string;
  filename: string;
  content_type: string;
  size: number;
  expires_at: Date;
  /** Set when a workflow took the upload; an upload is used once. */
  consumed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** createWorkflow calls that read the upload and failed; past a few it is refused. */
  failed_attempts: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type UploadRow = Selectable<UploadsTable>;
export type NewUploadRow = Insertable<UploadsTable>;
