import type { Executor } from '../db/database.ts';
import type { JobKind } from '../db/schema/jobs.ts';
import { publishMessage } from '../notifier/notifier.ts';

// The queue's one channel on the notifier (Postgres NOTIFY or Redis, NOTIFIER). The message goes
// out after its transaction commits, so a worker never wakes for a job that was rolled back.

/** Workers listen here: a job was queued or handed back. */
export const JOBS_CHANNEL = 'framewright_jobs';

/**
 * Wakes an idle worker's claim loop for `kind` (the message is `<kind>:<reason>`), or all of
 * them without a kind: a loop woken for another kind's job would only claim nothing.
 */
export async function notifyJobQueued(db: Executor, reason: string, kind?: JobKind): Promise<void> {
  await publishMessage(db, JOBS_CHANNEL, kind ? `${kind}:${reason}` : reason);
}

/** The kind a wake-up names; undefined for one that names none (and from a version that named none): every loop wakes. */
export function kindOfWakeUp(payload: string): JobKind | undefined {
  const kind = payload.slice(0, payload.indexOf(':'));
  return kind === 'WORKFLOW_RUN' || kind === 'WEBHOOK_DELIVERY' ? kind : undefined;
}
