import type { Database } from '../db/database.ts';
import type { JobRow } from '../db/schema/jobs.ts';
import type { Logger } from '../logger.ts';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from '../modules/webhooks/signature.ts';
import type { AttemptOutcome } from '../modules/webhooks/webhook.ts';
import type { WebhooksService } from '../modules/webhooks/webhooks.service.ts';
import * as queue from '../queue/jobs.ts';

export interface DeliveryDeps {
  db: Database;
  webhooks: WebhooksService;
  logger: Logger;
  workerId: string;
  /** A receiver has this long to answer 2xx (10 s); past it the attempt failed. */
  timeoutMs: number;
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'lost' | 'released';

/** A receiver's answer is read this far and no further: we need its status, not its page. */
const MAX_RESPONSE_BYTES = 4096;

/**
 * Sends one webhook delivery (a WEBHOOK_DELIVERY job) and records the attempt. A worker that dies
 * after the POST and before the record sends it again once the lease ends: at least once, with
 * the same event id, which is what receivers deduplicate on.
 */
export async function deliverWebhook(job: JobRow, deps: DeliveryDeps, stopSignal: AbortSignal): Promise<DeliveryOutcome> {
  if (!job.delivery_id) throw new Error(`job ${job.id} is not a webhook delivery`);
  const deliveryId = job.delivery_id;
  const log = deps.logger.child({ deliveryId, jobId: job.id });
  const outgoing = await deps.webhooks.outgoing(deliveryId);
  // Its endpoint was deleted: the cascade took the job too, so there is nothing left to close.
  if (!outgoing) return 'lost';
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Framewright-Webhooks/1',
    [EVENT_ID_HEADER]: outgoing.eventId,
    // One v1 per live secret: a receiver still on the rotated-out one verifies it too.
    [SIGNATURE_HEADER]: signatureHeader(outgoing.signingSecrets, outgoing.body, timestamp),
  };
  const answer = await deps.webhooks.post(outgoing, headers, {
    timeoutMs: deps.timeoutMs,
    maxResponseBytes: MAX_RESPONSE_BYTES,
    signal: stopSignal,
  });
  // A worker shutting down drops the attempt uncounted; the job is released for another worker.
  if (stopSignal.aborted) return 'released';
  const ok = answer.statusCode !== undefined && answer.statusCode >= 200 && answer.statusCode < 300;
  const outcome: AttemptOutcome = ok
    ? { ok: true, statusCode: answer.statusCode! }
    : { ok: false, statusCode: answer.statusCode, error: answer.error ?? `the receiver answered HTTP ${answer.statusCode}` };
  const result = await record(job, deps, deliveryId, outcome);
  if (result === 'retrying' || result === 'failed')
    log.warn({ outcome: result, statusCode: answer.statusCode, error: answer.error }, 'webhook delivery failed');
  else if (result === 'delivered') log.info({ statusCode: answer.statusCode }, 'webhook delivered');
  return result;
}

/** Under the job's lock, if the job is still ours: the attempt, then the job's next state. */
function record(job: JobRow, deps: DeliveryDeps, deliveryId: string, outcome: AttemptOutcome): Promise<DeliveryOutcome> {
  return deps.db.transaction().execute(async (trx) => {
    if (!(await queue.lockOwnedJob(trx, job.id, deps.workerId))) return 'lost';
    const retryAt = await deps.webhooks.recordAttempt(trx, deliveryId, outcome);
    if (outcome.ok) {
      await queue.finishJob(trx, job.id, 'DONE', null);
      return 'delivered';
    }
    if (retryAt) {
      await queue.requeueJob(trx, job.id, retryAt, outcome.error);
      return 'retrying';
    }
    await queue.finishJob(trx, job.id, 'FAILED', outcome.error);
    return 'failed';
  });
}
