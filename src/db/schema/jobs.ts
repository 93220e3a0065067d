import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

export type JobStatus = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED' | 'CANCELED';
/** A workflow's run, or the delivery of one webhook event to one endpoint. */
export type JobKind = 'WORKFLOW_RUN' | 'WEBHOOK_DELIVERY';

/**
 * One job per workflow run; the job runner claims rows with FOR UPDATE SKIP LOCKED. Only src/queue
 * reads or writes this table; its header says how jobs.status follows workflows.processing_status.
 */
export interface JobsTable {
  id: ColumnType<string, never, never>;
  kind: ColumnType<JobKind, JobKind | undefined, never>;
  /** Set for WORKFLOW_RUN jobs. */
  workflow_id: ColumnType<string | null, string | null | undefined, never>;
  /** Set for WEBHOOK_DELIVERY jobs. */
  delivery_id: ColumnType<string | null, string | null | undefined, never>;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  run_at: ColumnType<Date, Date | undefined, Date>;
  /** Claims of this job by a worker (takeovers count); retries are counted per flow in completions. */
  attempts: ColumnType<number, number | undefined, number>;
  locked_by: ColumnType<string | null, string | null | undefined, string | null>;
  locked_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  /** The W3C traceparent of the request that created or retried the job; null with tracing off. */
  trace_parent: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type JobRow = Selectable<JobsTable>;
export type NewJobRow = Insertable<JobsTable>;
export type JobRowUpdate = Updateable<JobsTable>;
