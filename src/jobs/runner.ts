import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Database } from '../db/database.ts';
import { type Listener, listen } from '../db/listener.ts';
import type { JobRow } from '../db/schema/jobs.ts';
import type { Logger } from '../logger.ts';
import type { CreditsService } from '../modules/credits/credits.service.ts';
import { JOBS_CHANNEL } from '../queue/channels.ts';
import * as queue from '../queue/jobs.ts';
import type { Storage } from '../storage/s3.ts';
import type { FlowRegistry } from './flows/flow.ts';
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
  return new PollingJobRunner(options);
}

/** The default `JobRunnerOptions` where the caller gives none; the lease alone has no default. */
function runJobDeps(options: JobRunnerOptions, workerId: string, logger: Logger): RunJobDeps {
  return {
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
}

/**
 * The claim loop: fill every free slot, then sleep until a NOTIFY, a finished job, the next due
 * job or the poll interval, whichever comes first.
 */
class PollingJobRunner implements JobRunner {
  readonly workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger: Logger;
  private readonly deps: RunJobDeps;
  private readonly pollIntervalMs: number;
  private readonly stopController = new AbortController();
  private readonly running = new Set<Promise<JobOutcome | undefined>>();
  private readonly listener: Listener;
  private readonly looping: Promise<void>;
  private wake: (() => void) | undefined;
  private stopping = false;

  constructor(private readonly options: JobRunnerOptions) {
    this.logger = options.logger.child({ workerId: this.workerId });
    this.deps = runJobDeps(options, this.workerId, this.logger);
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.listener = listen({
      url: options.databaseUrl,
      channels: [JOBS_CHANNEL],
      onNotification: () => this.wakeUp(),
      onReconnect: () => this.wakeUp(),
      logger: this.logger,
    });
    this.logger.info({ concurrency: options.concurrency, leaseSeconds: options.leaseSeconds }, 'worker started');
    this.looping = this.loop();
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wakeUp();
    await this.looping;
    await this.drain(graceMs);
    const released = await queue.releaseJobsOf(this.options.db, this.workerId);
    if (released > 0) this.logger.info({ released }, 'released jobs for other workers');
    await this.listener.stop();
    this.logger.info('worker stopped');
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const claimed = await this.fillSlots();
      if (this.stopping) break;
      if (claimed && this.hasFreeSlot()) continue;
      await this.sleep(await this.nextWaitMs());
    }
  }

  /** Claims jobs until every slot is busy or none is due; true when it claimed any. */
  private async fillSlots(): Promise<boolean> {
    let claimed = false;
    while (!this.stopping && this.hasFreeSlot()) {
      const job = await queue.claimJob(this.options.db, this.workerId, this.options.leaseSeconds).catch((error: unknown) => {
        this.logger.error({ err: error }, 'could not claim a job; retrying after the poll interval');
        return undefined;
      });
      if (!job) break;
      claimed = true;
      this.launch(job);
    }
    return claimed;
  }

  private launch(job: JobRow): void {
    const task: Promise<JobOutcome | undefined> = runJob(job, this.deps, this.stopController.signal)
      .catch((error: unknown) => {
        // The lease runs out and another worker resumes the job.
        this.logger.error({ err: error, workflowId: job.workflow_id }, 'job crashed; it will be taken over when its lease ends');
        return undefined;
      })
      .finally(() => {
        this.running.delete(task);
        this.wakeUp();
      });
    this.running.add(task);
  }

  /** Until the next queued job is due, when that is sooner than the poll interval and a slot is free. */
  private async nextWaitMs(): Promise<number> {
    const untilNext = this.hasFreeSlot() ? await queue.secondsUntilNextJob(this.options.db).catch(() => null) : null;
    return untilNext !== null && untilNext * 1000 < this.pollIntervalMs ? Math.max(10, untilNext * 1000) : this.pollIntervalMs;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private wakeUp(): void {
    this.wake?.();
    this.wake = undefined;
  }

  private hasFreeSlot(): boolean {
    return this.running.size < this.options.concurrency;
  }

  /** Lets running flows finish for up to `graceMs`, then aborts them (their flows go back to PENDING). */
  private async drain(graceMs: number): Promise<void> {
    if (this.running.size === 0) return;
    this.logger.info({ running: this.running.size, graceMs }, 'waiting for running flows to finish');
    const graceOver = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    const allDone = Promise.all([...this.running]).then(() => 'done' as const);
    if ((await Promise.race([allDone, graceOver])) === 'timeout') {
      this.logger.warn({ running: this.running.size }, 'grace period over: interrupting running flows');
      this.stopController.abort();
      await allDone;
    }
  }
}
