import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { FlowName } from './completions.ts';

/** SOURCE is the uploaded input; a flow's name marks that flow's outputs. */
export type MediaRole = 'SOURCE' | FlowName;

export interface MediaFilesTable {
  id: ColumnType<string, string | undefined, never>;
  workflow_id: string;
  role: MediaRole;
  /** Unique: a repeated flow overwrites its object and its row. */
  key: string;
  content_type: string;
  size: number;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type MediaFileRow = Selectable<MediaFilesTable>;
export type NewMediaFileRow = Insertable<MediaFilesTable>;
