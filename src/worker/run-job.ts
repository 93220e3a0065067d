import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { poolPublishesByNotify } from '../db/after-commit.ts';
import type { Database, Trx } from '../db/database.ts';
import type { JobRow } from '../db/schema/jobs.ts';
import type { WorkflowRow } from '../db/schema/workflows.ts';
import type { Logger } from '../logger.ts';
import { FfmpegError, MediaError } from '../media/errors.ts';
import type { CreditsService } from '../modules/credits/credits.service.ts';
import { findModel, type ModelDefinition } from '../modules/models/models.ts';
import type { WebhooksService } from '../modules/webhooks/webhooks.service.ts';
import { type FlowName, finalFlow, PIPELINES, type PipelineMode, workflowPrefix } from '../modules/workflows/workflow.ts';
import { notifyWorkflowChanged } from '../modules/workflows/workflow-events.ts';
import * as runs from '../modules/workflows/workflow-runs.repository.ts';
import * as workflows from '../modules/workflows/workflows.repository.ts';
import * as queue from '../queue/jobs.ts';
import { type ClaimedRun, claimRuns, type RunStart, type RunWorkflow, type StartProgress } from '../queue/run-claim.ts';
import { type LockedRun, lockRun } from '../queue/run-lock.ts';
import type { Storage } from '../storage/s3.ts';
import { inSpan } from '../tracing/tracing.ts';
import { errorSummary } from './error-summary.ts';
import { type FlowInput, type FlowOutput, type FlowRegistry, inMemory } from './flows/flow.ts';
import { overallProgress } from './progress.ts';

export interface RunJobDeps {
  db: Database;
  storage: Storage;
  credits: CreditsService;
  /** The run's end is reported to the customer's webhook endpoints, in the same transaction. */
  webhooks: WebhooksService;
  flows: FlowRegistry;
  logger: Logger;
  workerId: string;
  leaseSeconds: number;
  /** How often the lease is renewed; also how fast a cancel or delete reaches a running flow. */
  heartbeatMs: number;
  maxAttempts: number;
  /** Delay before attempt n+1 after attempt n failed. */
  backoffMs(attempt: number): number;
  /** At most one intra-flow progress write per this interval per workflow. */
  progressIntervalMs: number;
}

export type JobOutcome = 'done' | 'failed' | 'retrying' | 'released' | 'lost';

/** The job is no longer this worker's: canceled, deleted, or taken over after a lost lease. */
class JobLostError extends Error {
  override name = 'JobLostError';
}

/** Why a running flow was aborted. */
const SHUTDOWN = 'shutdown';
const LOST = 'lost';

/** What a run works on: the workflow as it was when the run (re)started, and its model. */
interface RunTarget {
  workflow: RunWorkflow;
  model: ModelDefinition | undefined;
}

/** One flow of the run, and where its input comes from. */
interface FlowStep {
  flow: FlowName;
  inputRole: FlowName | 'SOURCE';
}

/** An output read into memory, with its key in the bucket. */
type StoredOutput = FlowOutput & { key: string; data: Buffer };

/**
 * Who takes the slot a run frees: the run's SUCCESS claims and starts up to `wanted()` runs in
 * the same statement (endRunUnheard) and hands them to `launch`, instead of the slot's claim loop
 * claiming them in a statement of its own once the run is over.
 */
export interface RunSuccessor {
  /** How many runs to claim with the end (0 once the worker stops claiming). */
  wanted(): number;
  launch(next: ClaimedRun[]): void;
}

/** A flow marked RUNNING, with the attempt it is on. */
interface StartedFlow {
  step: FlowStep;
  attempt: number;
}

/** The flows still to run, in pipeline order, each with the flow whose output it reads. */
function pendingSteps(completions: RunStart['completions']): FlowStep[] {
  const steps: FlowStep[] = [];
  for (const [index, completion] of completions.entries()) {
    if (completion.status === 'SUCCESS' || completion.status === 'SKIPPED') continue;
    steps.push({ flow: completion.flow, inputRole: index === 0 ? 'SOURCE' : completions[index - 1]!.flow });
  }
  return steps;
}

/** The workflow's progress as each flow starts, for the claim that starts runs (claimRuns). */
export const START_PROGRESS: StartProgress = Object.fromEntries(
  (Object.keys(PIPELINES) as PipelineMode[]).flatMap((mode) =>
    PIPELINES[mode].map((flow) => [`${mode}:${flow}`, overallProgress(mode, flow, 0)]),
  ),
) as StartProgress;

/**
 * Claims up to `limit` runnable jobs as `workerId` and starts their runs (claimRuns). Where
 * messages go by a bus outside PostgreSQL, each started workflow's is published here, once the
 * claim (its own transaction) has committed; else the claim sent it.
 */
export async function claimAndStartRuns(db: Database, workerId: string, leaseSeconds: number, limit: number): Promise<ClaimedRun[]> {
  const notify = await poolPublishesByNotify(db);
  const claimed = await claimRuns(db, { workerId, leaseSeconds, limit, startProgress: START_PROGRESS, notify });
  await publishRunStarts(db, claimed);
  return claimed;
}

/** Where messages go by a bus outside PostgreSQL, each started workflow's (its claim has committed); else the claim sent them. */
async function publishRunStarts(db: Database, claimed: ClaimedRun[]): Promise<void> {
  if (claimed.length === 0 || (await poolPublishesByNotify(db))) return;
  for (const { start } of claimed) {
    if (start?.version !== undefined) await notifyWorkflowChanged(db, { workflowId: start.workflow.id, version: start.version });
  }
}

/**
 * Runs one claimed job, which its claim started (claimRuns: the workflow PROCESSING, its first
 * unfinished flow RUNNING), to the end, or until a flow fails (then it is requeued with backoff,
 * or the run fails). Every write happens inside `guarded`, which re-checks under lock that the job
 * is still ours, or in one statement that does the same (the run's SUCCESS). The transaction that
 * ends one step starts the next: each flow's outputs with the flow after it. The last flow's
 * outputs commit on their own, so watchers see that flow SUCCESS before the run's SUCCESS.
 */
export async function runJob(
  { job, start }: ClaimedRun,
  deps: RunJobDeps,
  stopSignal: AbortSignal,
  successor?: RunSuccessor,
): Promise<JobOutcome> {
  // The workflow had already ended: the claim closed its job to match.
  if (!start) return 'lost';
  const run = new JobRun(job, deps, stopSignal, successor);
  try {
    const started = await run.start(start);
    if (started.first === 'done') return 'done';
    return await run.runFlows(started.target, started.steps, started.first);
  } catch (error) {
    if (error instanceof JobLostError) {
      run.log.info('job is no longer ours (canceled, deleted or taken over); stopping');
      return 'lost';
    }
    throw error;
  } finally {
    run.close();
  }
}

/** The state of one run of one job: its lease heartbeat, its abort signal and its guarded writes. */
class JobRun {
  readonly log: Logger;
  private readonly workflowId: string;
  private readonly abort = new AbortController();
  /** Renews the lease while flows run; a run with only its end left ends before a beat would matter. */
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly onStop = () => this.abort.abort(SHUTDOWN);
  /** The first output of each flow this run has recorded so far: the next flows' inputs, without the bucket. */
  private readonly produced = new Map<FlowName, FlowInput>();
  /** Outputs a flow made in passing for a later one (read into memory), until that flow runs. */
  private readonly prepared = new Map<FlowName, FlowOutput[]>();

  private readonly job: JobRow;
  private readonly deps: RunJobDeps;
  private readonly stopSignal: AbortSignal;
  private readonly successor: RunSuccessor | undefined;
  constructor(job: JobRow, deps: RunJobDeps, stopSignal: AbortSignal, successor: RunSuccessor | undefined) {
    this.job = job;
    this.deps = deps;
    this.stopSignal = stopSignal;
    this.successor = successor;
    if (!job.workflow_id) throw new Error(`job ${job.id} is not a workflow run`);
    this.workflowId = job.workflow_id;
    this.log = deps.logger.child({ workflowId: this.workflowId, jobId: job.id });
    stopSignal.addEventListener('abort', this.onStop);
    if (stopSignal.aborted) this.onStop();
  }

  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.stopSignal.removeEventListener('abort', this.onStop);
  }

  /**
   * The run as its claim started it: the first pending flow already RUNNING, or, when none is
   * left, the run's SUCCESS now.
   */
  async start({
    workflow,
    wasQueued,
    completions,
    started,
  }: RunStart): Promise<{ target: RunTarget; steps: FlowStep[]; first: StartedFlow | 'done' }> {
    const target: RunTarget = { workflow, model: findModel(workflow.model) };
    const steps = pendingSteps(completions);
    // Per-step lines are debug: at info a no-op run would cost two log writes, not one (one line per run end stays).
    if (wasQueued) this.log.debug('run started');
    const [step] = steps;
    if (!step) {
      await this.succeed(workflow);
      return { target, steps, first: 'done' };
    }
    if (step.flow !== started?.flow) throw new Error(`${step.flow} was not the flow the claim started`);
    return { target, steps, first: { step, attempt: started.attempt } };
  }

  /**
   * The run's SUCCESS with its job DONE: one statement when nobody listens for that end, else a
   * guarded transaction that also records it for the listeners (the webhooks' outbox).
   */
  private async succeed(workflow: RunWorkflow): Promise<void> {
    const run = { workflowId: this.workflowId, customerId: workflow.customer_id, jobId: this.job.id, workerId: this.deps.workerId };
    const wanted = this.successor?.wanted() ?? 0;
    const claimNext = { limit: wanted, leaseSeconds: this.deps.leaseSeconds, startProgress: START_PROGRESS };
    const end = await runs.endRunUnheard(this.deps.db, run, this.deps.webhooks, claimNext);
    if (!end.ended && end.reason === 'lost') throw new JobLostError();
    if (!end.ended) {
      await this.guarded((trx) =>
        runs.endRun(
          trx,
          this.workflowId,
          { processing_status: 'SUCCESS', progress_exactly: 100, error: null },
          { jobId: this.job.id, jobStatus: 'DONE', jobError: null, end: 'WORKFLOW_SUCCEEDED' },
          this.deps.webhooks,
        ),
      );
    }
    this.log.info('run finished: SUCCESS');
    if (end.ended && end.next.length > 0) {
      // Launched first: the runs are claimed and started, and must run even if telling of their start fails.
      this.successor!.launch(end.next);
      await publishRunStarts(this.deps.db, end.next).catch((error: unknown) =>
        // This run has ended; a watcher of the next ones sees their start at their next change, or at its 30 s resync.
        this.log.warn({ err: error }, 'could not publish the start of the runs claimed with this end'),
      );
    }
  }

  /**
   * Runs the pending flows in order, from `first` (already started). Each flow runs as soon as the
   * one before it has made its outputs; their record (stored, the flow marked done and the next one
   * started, one transaction) follows in order behind the work, one transaction at a time. A flow's
   * own record and its progress wait for its start to commit, and any failed start (the job is no
   * longer ours, the bucket or the database failed) aborts the flow at work and ends the run here.
   * A short flow no longer waits for the record of the long one before it: that record's upload
   * and transaction now overlap the work of the flows after it, not only the next one's.
   */
  async runFlows(target: RunTarget, steps: FlowStep[], first: StartedFlow): Promise<JobOutcome> {
    this.heartbeat = setInterval(() => this.renewLease(), this.deps.heartbeatMs);
    let starting: Promise<StartedFlow | 'done'> = Promise.resolve(first);
    for (const [index, step] of steps.entries()) {
      const flow = this.startAndExecute(target, step, starting);
      const [executed] = await Promise.allSettled([flow.executed]);
      if (executed.status === 'rejected') {
        // Its failure is recorded against its attempt, once its start has committed; a start that failed ends the run instead.
        const { attempt } = await flow.started;
        return this.onFlowError(target, step.flow, attempt, executed.reason, this.log.child({ flow: step.flow, attempt }));
      }
      // A start that failed has aborted the run (a flow that ignores the signal may still finish): end it here, not after the flows left.
      if (this.abort.signal.aborted) await flow.started;
      const stored = this.remember(target, step.flow, executed.value);
      starting = flow.started.then(() => this.recordOutputs(target, step.flow, stored, steps[index + 1]));
    }
    await starting;
    await this.succeed(target.workflow);
    return 'done';
  }

  /**
   * The flow's start (the transaction that records the flow before it, under way or queued) and its
   * work, begun now side by side, in the flow's span, which lasts until both are over.
   */
  private startAndExecute(
    target: RunTarget,
    step: FlowStep,
    starting: Promise<StartedFlow | 'done'>,
  ): { started: Promise<StartedFlow>; executed: Promise<FlowOutput[]> } {
    const gate = { started: false };
    const started = starting.then((start) => {
      if (start === 'done' || start.step.flow !== step.flow) throw new Error(`${step.flow} was not the flow started next`);
      gate.started = true;
      this.log.debug({ flow: step.flow, attempt: start.attempt }, 'flow started');
      return start;
    });
    // Awaited by the run loop only when it needs the attempt or the record: stop the work at once.
    started.catch(() => this.abort.abort(LOST));
    const executed = new Promise<FlowOutput[]>((resolve, reject) => {
      void inSpan(`flow ${step.flow}`, { attributes: { 'framewright.flow': step.flow } }, async (span) => {
        const work = this.execute(target, step, gate);
        work.then(resolve, reject);
        const [start, outcome] = await Promise.allSettled([started, work]);
        if (start.status === 'fulfilled') span.setAttributes({ 'framewright.flow.attempt': start.value.attempt });
        if (outcome.status === 'rejected') span.setAttributes({ 'framewright.flow.error': errorSummary(outcome.reason) });
        else if (start.status === 'fulfilled')
          this.log.debug({ flow: step.flow, attempt: start.value.attempt, outputs: outcome.value.map((o) => o.name) }, 'flow done');
      }).catch((error: unknown) => this.log.warn({ err: error, flow: step.flow }, 'could not close the flow span'));
    });
    return { started, executed };
  }

  /**
   * In the caller's guarded transaction: starts `next` (the workflow's progress at its start; the
   * flow that `finished` before it marked SUCCESS in the same statement).
   */
  private async advance(trx: Trx, { workflow }: RunTarget, next: FlowStep, finished: FlowName): Promise<StartedFlow> {
    const attempt = await runs.moveFlows(
      trx,
      this.workflowId,
      { finished, started: next.flow },
      { progress_at_least: overallProgress(workflow.pipeline_mode, next.flow, 0) },
    );
    return { step: next, attempt: attempt! };
  }

  /**
   * Calls the flow in a scratch folder, with the previous flow's output as its input; its
   * progress is written once `gate` says the flow's start has committed.
   */
  private async execute({ workflow, model }: RunTarget, step: FlowStep, gate: { started: boolean }): Promise<FlowOutput[]> {
    if (!model) throw new Error(`model ${workflow.model} is not known to this worker`);
    const input = await this.loadInput(step.inputRole);
    const prepared = this.prepared.get(step.flow);
    this.prepared.delete(step.flow);
    return withWorkDir(async (workDir) => {
      const handedOver = new Map<FlowName, FlowOutput[]>();
      const outputs = await this.deps.flows[step.flow]({
        workflow: {
          id: this.workflowId,
          title: workflow.title,
          model: workflow.model,
          aspectRatio: workflow.aspect_ratio,
          pipelineMode: workflow.pipeline_mode,
        },
        template: model.template,
        input,
        loadOutput: (flow) => this.loadInput(flow),
        workDir,
        signal: this.abort.signal,
        onProgress: this.throttledProgress(workflow.pipeline_mode, step.flow, gate),
        prepared,
        handOver: (flow, made) => handedOver.set(flow, made),
      });
      // Read files into memory before the scratch folder goes.
      for (const [flow, made] of handedOver) this.prepared.set(flow, await inMemory(made));
      return inMemory(outputs);
    });
  }

  /**
   * A flow that threw: handed back at once on shutdown, dropped when the job is no longer ours,
   * failed at once when its input can never succeed, else retried with backoff until the last attempt.
   */
  private async onFlowError(target: RunTarget, flow: FlowName, attempt: number, error: unknown, flowLog: Logger): Promise<JobOutcome> {
    if (this.abort.signal.aborted) {
      if (this.abort.signal.reason !== SHUTDOWN) return 'lost';
      await this.release(flow);
      flowLog.info('flow interrupted by shutdown; job released');
      return 'released';
    }
    if (stoppedFromOutside(error)) {
      await this.release(flow, `interrupted: ffmpeg received ${error.signal} from outside the worker`);
      flowLog.warn({ err: error }, 'ffmpeg was stopped by a signal from outside the worker; job released, its attempt given back');
      return 'released';
    }
    const message = errorSummary(error);
    if (isHopelessInput(error)) {
      await this.fail(target, flow, message, `${flow} failed: the input cannot be processed: ${message}`);
      flowLog.warn({ err: error }, 'flow failed on an input no retry can fix; run FAILED and refunded');
      return 'failed';
    }
    if (attempt < this.deps.maxAttempts) {
      const delay = this.deps.backoffMs(attempt);
      await this.retryLater(flow, message, delay);
      flowLog.warn({ err: error, retryInMs: delay }, 'flow failed; it will be retried');
      return 'retrying';
    }
    await this.fail(target, flow, message, `${flow} failed after ${attempt} attempts: ${message}`);
    flowLog.error({ err: error }, 'flow failed for the last time; run FAILED and refunded');
    return 'failed';
  }

  /** Shutdown, or a stop from outside: the interrupted attempt does not count, and the job is free for any worker now. */
  private release(flow: FlowName, why = 'interrupted by a worker shutdown'): Promise<void> {
    return this.guarded(async (trx) => {
      await runs.finishFlow(trx, this.workflowId, flow, {
        status: 'PENDING',
        error: why,
        giveBackAttempt: true,
      });
      await queue.requeueJob(trx, this.job.id, 'now', null);
    });
  }

  private retryLater(flow: FlowName, message: string, delayMs: number): Promise<void> {
    return this.guarded(async (trx) => {
      await runs.finishFlow(trx, this.workflowId, flow, { status: 'PENDING', error: message });
      await runs.changeWorkflow(trx, this.workflowId, {});
      await queue.requeueJob(trx, this.job.id, new Date(Date.now() + delayMs), message);
    });
  }

  /** The run ends FAILED and its credits go back to the customer, in one transaction. */
  private fail(target: RunTarget, flow: FlowName, flowError: string, workflowError: string): Promise<void> {
    return this.guarded(async (trx, { workflow: current }) => {
      await runs.finishFlow(trx, this.workflowId, flow, { status: 'FAILED', error: flowError });
      await runs.endRun(
        trx,
        this.workflowId,
        { processing_status: 'FAILED', error: workflowError },
        { jobId: this.job.id, jobStatus: 'FAILED', jobError: flowError, end: 'WORKFLOW_FAILED' },
        this.deps.webhooks,
      );
      await this.deps.credits.refund(trx, current.customer_id, current.credit_cost, target.workflow.id);
    });
  }

  /**
   * The outputs with their keys in the bucket; the first (the bucket's answer for this role: the
   * first key, mediaFilesOf's order) is kept for the flows after it in this run.
   */
  private remember(target: RunTarget, flow: FlowName, outputs: FlowOutput[]): StoredOutput[] {
    const isFinal = flow === finalFlow(target.workflow.pipeline_mode);
    const stored = outputs.map((output) => ({
      ...output,
      key: outputKey(this.workflowId, flow, isFinal, output.name),
      data: output.data as Buffer,
    }));
    const first = stored.reduce<StoredOutput | undefined>((best, file) => (!best || file.key < best.key ? file : best), undefined);
    if (first) this.produced.set(flow, { key: first.key, data: first.data, contentType: first.contentType });
    return stored;
  }

  /**
   * Stores each output, records it, marks the flow done and starts `following`, all or nothing;
   * after the last flow, the workflow's progress is that flow's end ('done': the run's SUCCESS is
   * its caller's next transaction).
   */
  private recordOutputs(
    target: RunTarget,
    flow: FlowName,
    outputs: StoredOutput[],
    following: FlowStep | undefined,
  ): Promise<StartedFlow | 'done'> {
    return this.guarded(async (trx) => {
      for (const output of outputs) {
        await this.deps.storage.put(output.key, output.data, output.contentType);
        await runs.upsertMediaFile(trx, {
          workflow_id: this.workflowId,
          role: flow,
          key: output.key,
          content_type: output.contentType,
          size: output.data.byteLength,
          width: output.width,
          height: output.height,
          duration_ms: output.durationMs,
        });
      }
      if (following) return this.advance(trx, target, following, flow);
      const progress = overallProgress(target.workflow.pipeline_mode, flow, 1);
      await runs.moveFlows(trx, this.workflowId, { finished: flow }, { progress_at_least: progress });
      return 'done';
    });
  }

  /**
   * A flow's input: an output this worker produced earlier in this run is handed over from
   * memory; the source, and the outputs of a run another worker started, come from the bucket.
   */
  private async loadInput(role: FlowStep['inputRole']): Promise<FlowInput> {
    const produced = role === 'SOURCE' ? undefined : this.produced.get(role);
    if (produced) return produced;
    const files = await workflows.mediaFilesOf(this.deps.db, [this.workflowId]);
    const file = files.find((candidate) => candidate.role === role);
    if (!file) throw new Error(`the input of this flow (${role} output) is missing`);
    return { key: file.key, data: await this.deps.storage.get(file.key), contentType: file.content_type };
  }

  /**
   * A transaction that first locks the workflow's row, then the job's (the order of cancel, retry
   * and delete), and goes on only while the job is still ours.
   */
  private guarded<T>(work: (trx: Trx, locked: LockedRun) => Promise<T>): Promise<T> {
    return this.deps.db.transaction().execute(async (trx) => {
      const locked = await lockRun(trx, this.workflowId, this.job.id, this.deps.workerId);
      if (!locked) throw new JobLostError();
      return work(trx, locked);
    });
  }

  private renewLease(): void {
    queue.renewLease(this.deps.db, this.job.id, this.deps.workerId, this.deps.leaseSeconds).then(
      (stillOurs) => {
        if (!stillOurs && !this.abort.signal.aborted) this.abort.abort(LOST);
      },
      // A failed renewal is not a lost job: the lease is long enough to try again.
      (error: unknown) => this.log.warn({ err: error }, 'could not renew the lease'),
    );
  }

  /**
   * Progress within a flow, written at most once per interval (and only when the percentage rises),
   * so a fast ffmpeg progress stream does not turn into hundreds of writes a second.
   */
  private throttledProgress(mode: WorkflowRow['pipeline_mode'], flow: FlowName, gate: { started: boolean }): (fraction: number) => void {
    let lastWrite = 0;
    let written = -1;
    return (fraction) => {
      // Before its start commits, the flow before it still shows RUNNING: no progress of this one yet.
      if (!gate.started) return;
      // A flow's end is written by the transaction that records its outputs, at the same
      // percentage (the next flow's start). Written here too, it was one more UPDATE and NOTIFY a
      // flow, holding the workflow's row just as that transaction came to lock it.
      if (fraction >= 1) return;
      const percentage = overallProgress(mode, flow, fraction);
      const now = Date.now();
      // A jump of 10 points is written at once: subscribers are promised one at least every 10.
      if (percentage <= written || (now - lastWrite < this.deps.progressIntervalMs && percentage - written < 10)) return;
      lastWrite = now;
      written = percentage;
      runs
        .raiseProgress(this.deps.db, this.workflowId, percentage)
        .catch((error: unknown) => this.log.warn({ err: error, flow }, 'could not write progress'));
    };
  }
}

/** `workflows/{id}/{flow}/{name}`, and the final media under `workflows/{id}/media/`. */
export function outputKey(workflowId: string, flow: FlowName, isFinal: boolean, name: string): string {
  return `${workflowPrefix(workflowId)}${isFinal ? 'media' : flow.toLowerCase()}/${name}`;
}

/**
 * ffmpeg killed by a signal this worker did not send (it stops its own with SIGTERM and reports
 * that as an abort or a timeout): a terminal's Ctrl+C or a service manager's stop, which can reach
 * a child in the instant between its fork and its own process group, or someone's kill. Not the
 * flow's fault, so not an attempt. (ffmpeg itself exits with a code on these signals; a signal as
 * the cause means it died before it could handle one.)
 */
function stoppedFromOutside(error: unknown): error is FfmpegError {
  return error instanceof FfmpegError && error.code === 'FFMPEG_FAILED' && OUTSIDE_STOP_SIGNALS.has(error.signal);
}

const OUTSIDE_STOP_SIGNALS = new Set<NodeJS.Signals | null>(['SIGINT', 'SIGTERM', 'SIGHUP']);

/**
 * An input no retry can fix (it does not decode, it is all transparent): the media layer says so
 * with INVALID_INPUT. A crashed or stalled ffmpeg, a storage or database error may pass: retried.
 */
function isHopelessInput(error: unknown): boolean {
  return error instanceof MediaError && error.code === 'INVALID_INPUT';
}

async function withWorkDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'framewright-flow-'));
  try {
    return await work(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
