import type { ColumnType } from 'kysely';

/** A running job runner, kept fresh by its heartbeat (src/queue/workers.ts). */
export interface WorkersTable {
  id: string;
  hostname: string;
  pid: number;
  concurrency: number;
  started_at: ColumnType<Date, Date | undefined, never>;
  last_seen_at: ColumnType<Date, Date | undefined, Date>;
}

/** Open workflowProgress subscriptions of one key in one API process (src/progress/subscription-counts.ts). */
export interface SubscriptionCountsTable {
  process_id: string;
  key: string;
  count: number;
  seen_at: ColumnType<Date, Date | undefined, Date>;
}
