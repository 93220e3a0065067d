import type { ApiKeysTable } from './api-keys.ts';
import type { CompletionsTable } from './completions.ts';
import type { CreditLedgerTable } from './credit-ledger.ts';
import type { CustomersTable } from './customers.ts';
import type { ErrorLogEntriesTable } from './error-log-entries.ts';
import type { IdempotencyKeysTable } from './idempotency-keys.ts';
import type { JobsTable } from './jobs.ts';
import type { MediaFilesTable } from './media-files.ts';
import type { PendingObjectsTable } from './pending-objects.ts';
import type { SubscriptionCountsTable } from './subscription-counts.ts';
import type { UploadsTable } from './uploads.ts';
import type { WebhookDeliveriesTable } from './webhook-deliveries.ts';
import type { WebhookEndpointsTable } from './webhook-endpoints.ts';
import type { WebhookEventsTable } from './webhook-events.ts';
import type { WorkersTable } from './workers.ts';
import type { WorkflowsTable } from './workflows.ts';

export interface DB {
  customers: CustomersTable;
  api_keys: ApiKeysTable;
  credit_ledger: CreditLedgerTable;
  workflows: WorkflowsTable;
  completions: CompletionsTable;
  media_files: MediaFilesTable;
  uploads: UploadsTable;
  idempotency_keys: IdempotencyKeysTable;
  jobs: JobsTable;
  error_log_entries: ErrorLogEntriesTable;
  pending_objects: PendingObjectsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  workers: WorkersTable;
  subscription_counts: SubscriptionCountsTable;
}
