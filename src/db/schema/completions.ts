import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

export type FlowName = 'CROP_TO_CONTENT' | 'REPLACE_ALPHA_WITH_GRAY' | 'UPSCALE' | 'CREATE_MEDIA' | 'VIDEO_OVERLAY';
export type FlowStatus = 'PENDING' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'SKIPPED';

/**
 * One row per flow of a workflow's pipeline: the flow's status, attempts and error. The API calls
 * these "completions" (Workflow.completions), so the table keeps that word although each row is
 * a flow's status, finished or not.
 */
export interface CompletionsTable {
  id: ColumnType<string, string | undefined, never>;
  workflow_id: string;
  flow: FlowName;
  /** Order within the pipeline, from 0. */
  position: number;
  status: ColumnType<FlowStatus, FlowStatus | undefined, FlowStatus>;
  /** Runs of this flow in the current run of the workflow; drives retries (see queue/jobs.ts on the two counters). */
  attempts: ColumnType<number, number | undefined, number>;
  started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  completed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  error: ColumnType<string | null, string | null | undefined, string | null>;
}

export type CompletionRow = Selectable<CompletionsTable>;
export type NewCompletionRow = Insertable<CompletionsTable>;
export type CompletionRowUpdate = Updateable<CompletionsTable>;
