import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

export type ProcessingStatus = 'QUEUED' | 'PROCESSING' | 'SUCCESS' | 'FAILED' | 'CANCELED';
export type PipelineMode = 'IMAGE' | 'VIDEO';
export type Visibility = 'PRIVATE' | 'PUBLIC';

export interface WorkflowsTable {
  id: string;
  customer_id: string;
  title: string;
  description: string | null;
  visibility: Visibility;
  model: string;
  aspect_ratio: string;
  pipeline_mode: PipelineMode;
  primary_user_id: string;
  processing_status: ColumnType<ProcessingStatus, ProcessingStatus | undefined, ProcessingStatus>;
  progress_percentage: ColumnType<number, number | undefined, number>;
  credit_cost: number;
  error: ColumnType<string | null, string | null | undefined, string | null>;
  /** Bumped by every change, in the same statement; subscribers resume after it. */
  version: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type WorkflowRow = Selectable<WorkflowsTable>;
export type NewWorkflowRow = Insertable<WorkflowsTable>;
export type WorkflowRowUpdate = Updateable<WorkflowsTable>;
