import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Database } from '../db/database.ts';
import { type Listener, listen } from '../db/listener.ts';
import type { Logger } from '../logger.ts';
import type { CreditsService } from '../modules/credits/credits.service.ts';
import { JOBS_CHANNEL } from '../queue/channels.ts';
import type { Storage } from '../storage/s3.ts';
import type { FlowRegistry } from './flows/flow.ts';
import * as queue from '../queue/jobs.ts';
import { type JobOutcome, runJob, type RunJobDeps } from './run-job.ts';

export interface JobRunnerOptions {
  db: Database;
  /** For the LISTEN connection that wakes idle workers. */
  databaseUrl: string;
  storage: Storage;
  credits: CreditsService;
  flows: FlowRegistry;
  logger: Logger;
  concurrency: number;
  leaseSeconds: number;
  /** Polling is the fallback when a NOTIFY is missed (e.g. while the LISTEN connection reconnects). */
  pollIntervalMs?: number;
  heartbeatMs?: number;
  maxAttempts?: number;
  backoffMs?: (attempt: number) => number;
  progressIntervalMs?: number;
}

export interface JobRunner {
  readonly workerId: string;
  /**
   * Stops claiming, lets running flows finish for up to `graceMs`, then aborts what still runs
   * (its flow goes back to PENDING) and releases its jobs for another worker.
   */
  stop(graceMs: number): Promise<void>;
}

/** Claims and runs jobs, `concurrency` at a time, until stopped. */
export function startJobRunner(options: JobRunnerOptions): JobRunner {
  const workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const logger = options.logger.child({ workerId });
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const deps: RunJobDeps = {
    db: options.db,
    storage: options.storage,
    credits: options.credits,
    flows: options.flows,
    logger,
    workerId,
    leaseSeconds: options.leaseSeconds,
    // A second is short enough for a cancel to feel immediate, and one small UPDATE per running job.
    heartbeatMs: options.heartbeatMs ?? Math.min(1000, (options.leaseSeconds * 1000) / 3),
    maxAttempts: options.maxAttempts ?? 3,
    // 1 s, 2 s, 4 s ...
    backoffMs: options.backoffMs ?? ((attempt) => 1000 * 2 ** (attempt - 1)),
    progressIntervalMs: options.progressIntervalMs ?? 250,
  };
  const stopController = new AbortController();
  const running = new Set<Promise<JobOutcome | undefined>>();
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    wake?.();
    wake = undefined;
  };
  let stopping = false;

  const listener: Listener = listen({
    url: options.databaseUrl,
    channels: [JOBS_CHANNEL],
    onNotification: wakeUp,
    onReconnect: wakeUp,
    logger,
  });

  const loop = async () => {
    while (!stopping) {
      let claimed = false;
      while (!stopping && running.size < options.concurrency) {
        const job = await queue.claimJob(options.db, workerId, options.leaseSeconds).catch((error: unknown) => {
          logger.error({ err: error }, 'could not claim a job; retrying after the poll interval');
          return undefined;
        });
        if (!job) break;
        claimed = true;
        const task: Promise<JobOutcome | undefined> = runJob(job, deps, stopController.signal)
          .catch((error: unknown) => {
            // The lease runs out and another worker resumes the job.
            logger.error({ err: error, workflowId: job.workflow_id }, 'job crashed; it will be taken over when its lease ends');
            return undefined;
          })
          .finally(() => {
            running.delete(task);
            wakeUp();
          });
        running.add(task);
      }
      if (stopping) break;
      if (claimed && running.size < options.concurrency) continue;
      const untilNext = running.size < options.concurrency ? await queue.secondsUntilNextJob(options.db).catch(() => null) : null;
      const waitMs = untilNext !== null && untilNext * 1000 < pollIntervalMs ? Math.max(10, untilNext * 1000) : pollIntervalMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  logger.info({ concurrency: options.concurrency, leaseSeconds: options.leaseSeconds }, 'worker started');
  const looping = loop();

  return {
    workerId,
    stop: async (graceMs) => {
      stopping = true;
      wakeUp();
      await looping;
      if (running.size > 0) {
        logger.info({ running: running.size, graceMs }, 'waiting for running flows to finish');
        const graceOver = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
        const allDone = Promise.all([...running]).then(() => 'done' as const);
        if ((await Promise.race([allDone, graceOver])) === 'timeout') {
          logger.warn({ running: running.size }, 'grace period over: interrupting running flows');
          stopController.abort();
          await allDone;
        }
      }
      const released = await queue.releaseJobsOf(options.db, workerId);
      if (released > 0) logger.info({ released }, 'released jobs for other workers');
      await listener.stop();
      logger.info('worker stopped');
    },
  };
}
