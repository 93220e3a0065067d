import { type RawBuilder, sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import { publishMessage } from '../notifier/notifier.ts';

// The channels of the service's notifier (Postgres NOTIFY or Redis, NOTIFIER). Every message goes
// out after its transaction commits, so a listener never hears of a change that was rolled back.

/** Workers listen here: a job was queued or handed back. */
export const JOBS_CHANNEL = 'framewright_jobs';
/** API processes listen here: a workflow changed (live progress). */
export const WORKFLOW_EVENTS_CHANNEL = 'framewright_workflow_events';

/** API processes listen here: an API key was revoked (its id is the payload); each forgets it at once. */
export const API_KEY_REVOCATIONS_CHANNEL = 'framewright_api_key_revocations';

/** The payload on WORKFLOW_EVENTS_CHANNEL: which workflow, at which version, and whether it is gone. */
export interface WorkflowChangeNotice {
  workflowId: string;
  version: number;
  deleted?: boolean;
}

/** Wakes an idle worker. */
export async function notifyJobQueued(db: Executor, reason: string): Promise<void> {
  await publishMessage(db, JOBS_CHANNEL, reason);
}

/** Tells every listening API process that the workflow changed. */
export async function notifyWorkflowChanged(trx: Executor, notice: WorkflowChangeNotice): Promise<void> {
  await publishMessage(trx, WORKFLOW_EVENTS_CHANNEL, JSON.stringify(notice));
}

/**
 * notifyWorkflowChanged as an expression over the workflows row a statement returns (its new
 * version): the statement that changes the workflow sends the message itself, one round trip
 * instead of two. Only where messages go out by NOTIFY (see publishesByNotify).
 */
export function notifyWorkflowChangedInSql(): RawBuilder<unknown> {
  return sql`pg_notify(${sql.lit(WORKFLOW_EVENTS_CHANNEL)}, json_build_object('workflowId', id, 'version', version)::text)`;
}

/** Tells every listening API process to stop accepting the key now rather than when its cache entry expires. */
export async function notifyApiKeyRevoked(trx: Executor, keyId: string): Promise<void> {
  await publishMessage(trx, API_KEY_REVOCATIONS_CHANNEL, keyId);
}
