import type { Migration } from 'kysely';
import * as initial from './20261129T1000-initial.ts';
import * as errorLogs from './20261129T1100-error-logs.ts';
import * as pendingObjects from './20261130T0900-pending-objects.ts';
import * as webhooks from './20261130T1000-webhooks.ts';
import * as scaleOut from './20261130T1130-scale-out.ts';
import * as uploadFailedAttempts from './20261201T0900-upload-failed-attempts.ts';
import * as apiKeyMintedBy from './20261201T1200-api-key-minted-by.ts';
import * as webhookSecretsAndRetention from './20261201T1300-webhook-secrets-and-retention.ts';
import * as jobTraceContext from './20261207T0300-job-trace-context.ts';
import * as runFunctions from './20261207T1500-run-functions.ts';
import * as endRunThenClaim from './20261207T1800-end-run-then-claim.ts';

/** Explicit and ordered: a migration that is not listed here does not run. */
export const migrations: Record<string, Migration> = {
  '20261129T1000-initial': initial,
  '20261129T1100-error-logs': errorLogs,
  '20261130T0900-pending-objects': pendingObjects,
  '20261130T1000-webhooks': webhooks,
  '20261130T1130-scale-out': scaleOut,
  '20261201T0900-upload-failed-attempts': uploadFailedAttempts,
  '20261201T1200-api-key-minted-by': apiKeyMintedBy,
  '20261201T1300-webhook-secrets-and-retention': webhookSecretsAndRetention,
  '20261207T0300-job-trace-context': jobTraceContext,
  '20261207T1500-run-functions': runFunctions,
  '20261207T1800-end-run-then-claim': endRunThenClaim,
};
