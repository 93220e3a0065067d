import { sql } from 'kysely';
import type { Executor, Trx } from '../db/database.ts';

// The NOTIFY channels of the service. Postgres delivers a NOTIFY only when its transaction
// commits, so a listener never hears of a change that was rolled back.

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
  await sql`SELECT pg_notify(${JOBS_CHANNEL}, ${reason})`.execute(db);
}

/** Tells every listening API process that the workflow changed. */
export async function notifyWorkflowChanged(trx: Trx, notice: WorkflowChangeNotice): Promise<void> {
  await sql`SELECT pg_notify(${WORKFLOW_EVENTS_CHANNEL}, ${JSON.stringify(notice)})`.execute(trx);
}

/** Tells every listening API process to stop accepting the key now rather than when its cache entry expires. */
export async function notifyApiKeyRevoked(trx: Trx, keyId: string): Promise<void> {
  await sql`SELECT pg_notify(${API_KEY_REVOCATIONS_CHANNEL}, ${keyId})`.execute(trx);
}
