import type { ColumnType } from 'kysely';

/** Open workflowProgress subscriptions of one key in one API process (src/progress/subscription-counts.ts). */
export interface SubscriptionCountsTable {
  process_id: string;
  key: string;
  count: number;
  seen_at: ColumnType<Date, Date | undefined, Date>;
}
