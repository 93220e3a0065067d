import type { Executor } from '../db/database.ts';
import { publishMessage } from '../notifier/notifier.ts';

// The queue's one channel on the notifier (Postgres NOTIFY or Redis, NOTIFIER). The message goes
// out after its transaction commits, so a worker never wakes for a job that was rolled back.

/** Workers listen here: a job was queued or handed back. */
export const JOBS_CHANNEL = 'framewright_jobs';

/** Wakes an idle worker. */
export async function notifyJobQueued(db: Executor, reason: string): Promise<void> {
  await publishMessage(db, JOBS_CHANNEL, reason);
}
