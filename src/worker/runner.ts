import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Database } from '../db/database.ts';
import type { JobKind, JobRow } from '../db/schema/jobs.ts';
import type { Logger } from '../logger.ts';
import type { CreditsService } from '../modules/credits/credits.service.ts';
import type { WebhooksService } from '../modules/webhooks/webhooks.service.ts';
import type { Notifier } from '../notifier/index.ts';
import { createPostgresNotifier } from '../notifier/postgres-notifier.ts';
import * as queue from '../queue/jobs.ts';
import { JOBS_CHANNEL, kindOfWakeUp } from '../queue/jobs-channel.ts';
import type { ClaimedRun } from '../queue/run-claim.ts';
import { removeWorker, workerHeartbeat } from '../queue/workers.ts';
import type { Storage } from '../storage/s3.ts';
import { inSpan } from '../tracing/tracing.ts';
import { deliverWebhook } from './deliver-webhook.ts';
import type { FlowRegistry } from './flows/flow.ts';
import { claimAndStartRuns, type RunJobDeps, runJob } from './run-job.ts';

export interface JobRunnerOptions {
  db: Database;
  /** For the LISTEN connection that wakes idle workers, when no notifier is given. */
  databaseUrl: string;
  /** The bus that carries wake-ups (NOTIFIER); LISTEN on databaseUrl when omitted. */
  notifier?: Notifier;
  storage: Storage;
  credits: CreditsService;
  webhooks: WebhooksService;
  flows: FlowRegistry;
  logger: Logger;
  /** Workflow runs at once. */
  concurrency: number;
  leaseSeconds: number;
  /** Webhook deliveries at once: their own slots, so slow receivers never hold up media jobs (or the reverse). */
  deliveryConcurrency?: number;
  /** A receiver has this long to answer (10 s). */
  deliveryTimeoutMs?: number;
  /** Polling is the fallback when a wake-up is missed (e.g. while the notifier's connection reconnects). */
  pollIntervalMs?: number;
  heartbeatMs?: number;
  maxAttempts?: number;
  backoffMs?: (attempt: number) => number;
  progressIntervalMs?: number;
}

export interface JobRunner {
  readonly workerId: string;
  /**
   * Stops claiming, lets running flows and deliveries finish for up to `graceMs`, then aborts
   * what still runs (its flow goes back to PENDING) and releases its jobs for another worker.
   */
  stop(graceMs: number): Promise<void>;
}

/** Claims and runs jobs of both kinds, each kind with its own slots, until stopped. */
export function startJobRunner(options: JobRunnerOptions): JobRunner {
  const workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const logger = options.logger.child({ workerId });
  const loops = claimLoops(options, workerId, logger);
  const wakeAll = () => {
    for (const loop of loops) loop.wakeUp();
  };
  const wakeFor = (_channel: string, payload: string) => {
    const kind = kindOfWakeUp(payload);
    for (const loop of loops) if (!kind || loop.kind === kind) loop.wakeUp();
  };
  const notifier = options.notifier ?? createPostgresNotifier({ listenUrl: options.databaseUrl, logger });
  // A (re)subscription wakes every loop too: wake-ups sent while the connection was down are lost.
  const listener = notifier.subscribe([JOBS_CHANNEL], { onMessage: wakeFor, onResync: wakeAll });
  const stopHeartbeat = startWorkerHeartbeat(options.db, { id: workerId, concurrency: options.concurrency }, logger);
  logger.info({ concurrency: options.concurrency, leaseSeconds: options.leaseSeconds }, 'worker started');
  return {
    workerId,
    stop: async (graceMs) => {
      await Promise.all(loops.map((loop) => loop.stop(graceMs)));
      await stopHeartbeat();
      const released = await queue.releaseJobsOf(options.db, workerId);
      if (released > 0) logger.info({ released }, 'released jobs for other workers');
      await listener.stop();
      logger.info('worker stopped');
    },
  };
}

/** The claim loops of both kinds of job, each with its own slots. */
function claimLoops(options: JobRunnerOptions, workerId: string, logger: Logger): [ClaimLoop<ClaimedRun>, ClaimLoop<JobRow>] {
  const { db, leaseSeconds } = options;
  const context = { db, logger, pollIntervalMs: options.pollIntervalMs ?? 2000 };
  const runDeps = runJobDeps(options, workerId, logger);
  const deliveryDeps = { db, webhooks: options.webhooks, logger, workerId, timeoutMs: options.deliveryTimeoutMs ?? 10_000 };
  // A delivery renews no lease: it is held past its own time limit, so no second worker sends it while the first still waits.
  const deliveryLeaseSeconds = Math.max(leaseSeconds, Math.ceil(deliveryDeps.timeoutMs / 1000) + 5);
  return [
    new ClaimLoop<ClaimedRun>(
      {
        kind: 'WORKFLOW_RUN',
        concurrency: options.concurrency,
        // The claim starts the runs it takes; one whose workflow had ended comes back closed, with nothing to run.
        claim: (limit) => claimAndStartRuns(db, workerId, leaseSeconds, limit),
        jobOf: (claimed) => claimed.job,
        handle: (claimed, signal, successor) =>
          claimed.start ? traceRun(claimed.job, () => runJob(claimed, runDeps, signal, successor)) : undefined,
      },
      context,
    ),
    new ClaimLoop<JobRow>(
      {
        kind: 'WEBHOOK_DELIVERY',
        concurrency: options.deliveryConcurrency ?? 4,
        claim: (limit) => queue.claimJobs(db, 'WEBHOOK_DELIVERY', workerId, deliveryLeaseSeconds, limit),
        jobOf: (job) => job,
        handle: (job, signal) => traceDelivery(job, () => deliverWebhook(job, deliveryDeps, signal)),
      },
      context,
    ),
  ];
}

/** A run continues the trace of the request that created or retried its workflow (the job's trace_parent). */
function traceRun<T>(job: JobRow, run: () => Promise<T>): Promise<T> {
  const attributes = {
    'framewright.workflow.id': job.workflow_id ?? undefined,
    'framewright.job.id': job.id,
    'framewright.job.claims': job.attempts,
  };
  // root: a run launched by the end of another (ClaimLoop's successor) is not part of that one's trace.
  return inSpan('workflow.run', { kind: 'consumer', parent: job.trace_parent, root: true, attributes }, run);
}

/** A delivery continues the trace of the run (or the redeliverWebhook request) that queued it. */
function traceDelivery<T>(job: JobRow, deliver: () => Promise<T>): Promise<T> {
  const attributes = { 'framewright.delivery.id': job.delivery_id ?? undefined, 'framewright.job.claims': job.attempts };
  return inSpan('webhook.delivery', { kind: 'consumer', parent: job.trace_parent, attributes }, deliver);
}

/** How often a runner says it is alive (the workers table: /metrics, `framewright status`). */
const WORKER_HEARTBEAT_MS = 5000;

/** Beats at once, then every WORKER_HEARTBEAT_MS; the returned stop removes the runner's row. */
function startWorkerHeartbeat(db: Database, worker: { id: string; concurrency: number }, logger: Logger): () => Promise<void> {
  const row = { ...worker, hostname: os.hostname(), pid: process.pid };
  const beat = () =>
    workerHeartbeat(db, row).catch((error: unknown) => logger.warn({ err: error }, 'could not record the worker heartbeat; trying again'));
  let last = beat();
  const timer = setInterval(() => {
    last = beat();
  }, WORKER_HEARTBEAT_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    // A beat still in flight would put the row back after the delete.
    await last;
    await removeWorker(db, worker.id).catch((error: unknown) => logger.warn({ err: error }, 'could not remove the worker row'));
  };
}

/** The default `JobRunnerOptions` where the caller gives none; the lease alone has no default. */
function runJobDeps(options: JobRunnerOptions, workerId: string, logger: Logger): RunJobDeps {
  return {
    db: options.db,
    storage: options.storage,
    credits: options.credits,
    webhooks: options.webhooks,
    flows: options.flows,
    logger,
    workerId,
    leaseSeconds: options.leaseSeconds,
    // A second is short enough for a cancel to feel immediate, and one small UPDATE per running job.
    heartbeatMs: options.heartbeatMs ?? Math.min(1000, (options.leaseSeconds * 1000) / 3),
    maxAttempts: options.maxAttempts ?? 3,
    // 5 s, then 15 s: the 3 attempts of a flow outlast an outage of the bucket or the database
    // of up to ~20 s, which a shorter backoff would turn into a FAILED run.
    backoffMs: options.backoffMs ?? ((attempt) => 5000 * 3 ** (attempt - 1)),
    progressIntervalMs: options.progressIntervalMs ?? 250,
  };
}

/** Takes the jobs a finishing job claimed for the slot it frees (RunSuccessor). */
interface Successor<Claimed> {
  wanted(): number;
  launch(next: Claimed[]): void;
}

interface JobHandler<Claimed> {
  kind: JobKind;
  concurrency: number;
  /** Claims up to `limit` jobs of this kind in one statement. */
  claim(limit: number): Promise<Claimed[]>;
  jobOf(claimed: Claimed): JobRow;
  /**
   * Runs one claimed job; undefined when there is nothing to run (it takes no slot). A job may
   * claim the next ones for its slot as it ends, and hand them to `successor` to run.
   */
  handle(claimed: Claimed, stopSignal: AbortSignal, successor: Successor<Claimed>): Promise<unknown> | undefined;
}

/**
 * The claim loop of one kind of job: fill every free slot, then sleep until a wake-up, a finished
 * job, the next due job or the poll interval, whichever comes first.
 */
class ClaimLoop<Claimed> {
  private readonly stopController = new AbortController();
  private readonly running = new Set<Promise<unknown>>();
  private readonly looping: Promise<void>;
  private wake: (() => void) | undefined;
  /** A wake-up came while the loop was not asleep (claiming, or between its claim and its sleep): it does not sleep then. */
  private woken = false;
  private stopping = false;
  /**
   * A job that ends claims one job for the slot it frees, in its last statement, and it runs at once:
   * launched before the ending job leaves `running`, so the loop, woken by that, finds no slot to fill.
   */
  private readonly successor: Successor<Claimed> = {
    wanted: () => (this.stopping ? 0 : 1),
    launch: (next) => {
      for (const claimed of next) this.launch(claimed);
    },
  };

  private readonly db: Database;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;

  private readonly handler: JobHandler<Claimed>;
  constructor(handler: JobHandler<Claimed>, context: { db: Database; logger: Logger; pollIntervalMs: number }) {
    this.handler = handler;
    ({ db: this.db, logger: this.logger, pollIntervalMs: this.pollIntervalMs } = context);
    this.looping = this.loop();
  }

  /** Stops claiming, then lets running jobs finish for up to `graceMs` before aborting them. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wakeUp();
    await this.looping;
    await this.drain(graceMs);
  }

  get kind(): JobKind {
    return this.handler.kind;
  }

  wakeUp(): void {
    this.woken = true;
    this.wake?.();
    this.wake = undefined;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      // A wake-up from here on (a job queued after the claim's snapshot, a slot freed while the
      // claim ran) is not lost: the loop goes round again instead of sleeping through it.
      this.woken = false;
      const mayHaveMore = await this.fillSlots();
      if (this.stopping) break;
      if (mayHaveMore && this.hasFreeSlot()) continue;
      await this.sleep(await this.nextWaitMs());
    }
  }

  /**
   * Claims a job for every free slot, in one statement; true when it got all it asked for (more
   * may be due), false when the queue had fewer (or the claim failed).
   */
  private async fillSlots(): Promise<boolean> {
    const free = this.handler.concurrency - this.running.size;
    if (this.stopping || free <= 0) return false;
    const jobs = await this.handler.claim(free).catch((error: unknown) => {
      this.logger.error({ err: error, kind: this.handler.kind }, 'could not claim a job; retrying after the poll interval');
      return [];
    });
    for (const job of jobs) this.launch(job);
    return jobs.length === free;
  }

  private launch(claimed: Claimed): void {
    const handling = this.handler.handle(claimed, this.stopController.signal, this.successor);
    if (!handling) return;
    const job = this.handler.jobOf(claimed);
    const task: Promise<unknown> = handling
      .catch((error: unknown) => {
        // The lease runs out and another worker resumes the job.
        this.logger.error({ err: error, jobId: job.id, kind: job.kind }, 'job crashed; it will be taken over when its lease ends');
      })
      .finally(() => {
        this.running.delete(task);
        this.wakeUp();
      });
    this.running.add(task);
  }

  /** Until the next queued job is due, when that is sooner than the poll interval and a slot is free. */
  private async nextWaitMs(): Promise<number> {
    const untilNext = this.hasFreeSlot() ? await queue.secondsUntilNextJob(this.db, this.handler.kind).catch(() => null) : null;
    return untilNext !== null && untilNext * 1000 < this.pollIntervalMs ? Math.max(10, untilNext * 1000) : this.pollIntervalMs;
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private hasFreeSlot(): boolean {
    return this.running.size < this.handler.concurrency;
  }

  /** Until nothing runs, successors a job launched as it ended included. */
  private async allFinished(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Lets running jobs finish for up to `graceMs`, then aborts them (a flow goes back to PENDING). */
  private async drain(graceMs: number): Promise<void> {
    if (this.running.size === 0) return;
    this.logger.info({ running: this.running.size, kind: this.handler.kind, graceMs }, 'waiting for running jobs to finish');
    const graceOver = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    const allDone = this.allFinished().then(() => 'done' as const);
    if ((await Promise.race([allDone, graceOver])) === 'timeout') {
      this.logger.warn({ running: this.running.size, kind: this.handler.kind }, 'grace period over: interrupting running jobs');
      this.stopController.abort();
      await allDone;
    }
  }
}
