import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Database, Trx } from '../db/database.ts';
import type { JobRow } from '../db/schema/jobs.ts';
import type { WorkflowRow } from '../db/schema/workflows.ts';
import type { Logger } from '../logger.ts';
import type { CreditsService } from '../modules/credits/credits.service.ts';
import { findModel } from '../modules/models/models.ts';
import { type Completion, finalFlow, type FlowName, workflowPrefix } from '../modules/workflows/workflow.ts';
import * as runs from '../modules/workflows/workflow-runs.repository.ts';
import * as workflows from '../modules/workflows/workflows.repository.ts';
import type { Storage } from '../storage/s3.ts';
import type { FlowInput, FlowOutput, FlowRegistry } from './flows/flow.ts';
import { overallProgress } from './progress.ts';
import * as queue from '../queue/jobs.ts';

export interface RunJobDeps {
  db: Database;
  storage: Storage;
  credits: CreditsService;
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

/**
 * Runs one claimed job from its first unfinished flow to the end, or until a flow fails (then it
 * is requeued with backoff, or the run fails after the last attempt). Every write happens inside
 * `guarded`, which re-checks under lock that the job is still ours.
 */
export async function runJob(job: JobRow, deps: RunJobDeps, stopSignal: AbortSignal): Promise<JobOutcome> {
  const { db, storage, logger, workerId } = deps;
  const workflowId = job.workflow_id;
  const log = logger.child({ workflowId, jobId: job.id });
  const abort = new AbortController();
  const onStop = () => abort.abort(SHUTDOWN);
  stopSignal.addEventListener('abort', onStop);
  if (stopSignal.aborted) onStop();
  const heartbeat = setInterval(() => {
    queue.renewLease(db, job.id, workerId, deps.leaseSeconds).then(
      (stillOurs) => {
        if (!stillOurs && !abort.signal.aborted) abort.abort(LOST);
      },
      // A failed renewal is not a lost job: the lease is long enough to try again.
      (error: unknown) => log.warn({ err: error }, 'could not renew the lease'),
    );
  }, deps.heartbeatMs);

  const guarded = <T>(work: (trx: Trx, workflow: WorkflowRow) => Promise<T>): Promise<T> =>
    db.transaction().execute(async (trx) => {
      // Same lock order as cancel, retry and delete: the workflow's row, then the job's.
      const workflow = await workflows.lockWorkflow(trx, workflowId);
      if (!workflow || !(await queue.lockOwnedJob(trx, job.id, workerId))) throw new JobLostError();
      return work(trx, workflow);
    });

  try {
    const workflow = await workflows.findWorkflow(db, workflowId);
    if (!workflow) return 'lost';
    if (workflow.processing_status !== 'QUEUED' && workflow.processing_status !== 'PROCESSING') {
      await guarded((trx) => queue.finishJob(trx, job.id, workflow.processing_status === 'SUCCESS' ? 'DONE' : 'CANCELED', null));
      return 'lost';
    }
    const model = findModel(workflow.model);
    if (workflow.processing_status === 'QUEUED') {
      await guarded((trx) => runs.changeWorkflow(trx, workflowId, { processing_status: 'PROCESSING' }));
      log.info('run started');
    }
    const completions = (await workflows.completionsOf(db, [workflowId])).map((row) => ({ flow: row.flow, status: row.status }));
    for (const [index, completion] of completions.entries()) {
      if (completion.status === 'SUCCESS' || completion.status === 'SKIPPED') continue;
      const flow = completion.flow;
      const attempt = await guarded(async (trx) => {
        const n = await runs.startFlow(trx, workflowId, flow);
        await runs.changeWorkflow(trx, workflowId, { progress_at_least: overallProgress(workflow.pipeline_mode, flow, 0) });
        return n;
      });
      const flowLog = log.child({ flow, attempt });
      flowLog.info('flow started');
      let outputs: FlowOutput[];
      try {
        if (!model) throw new Error(`model ${workflow.model} is not known to this worker`);
        const input = await loadInput(db, storage, workflowId, index === 0 ? 'SOURCE' : completions[index - 1]!.flow);
        outputs = await withWorkDir((workDir) =>
          deps.flows[flow]({
            workflow: {
              id: workflowId,
              title: workflow.title,
              model: workflow.model,
              aspectRatio: workflow.aspect_ratio,
              pipelineMode: workflow.pipeline_mode,
            },
            template: model.template,
            input,
            workDir,
            signal: abort.signal,
            onProgress: throttledProgress(db, workflowId, workflow.pipeline_mode, flow, deps.progressIntervalMs, flowLog),
          }).then((result) => readOutputs(result)),
        );
      } catch (error) {
        if (abort.signal.aborted) {
          if (abort.signal.reason !== SHUTDOWN) return 'lost';
          await guarded(async (trx) => {
            await runs.finishFlow(trx, workflowId, flow, { status: 'PENDING', error: 'interrupted by a worker shutdown', giveBackAttempt: true });
            await queue.requeueJob(trx, job.id, 'now', null);
          });
          flowLog.info('flow interrupted by shutdown; job released');
          return 'released';
        }
        const message = describeError(error);
        if (attempt < deps.maxAttempts) {
          const delay = deps.backoffMs(attempt);
          await guarded(async (trx) => {
            await runs.finishFlow(trx, workflowId, flow, { status: 'PENDING', error: message });
            await runs.changeWorkflow(trx, workflowId, {});
            await queue.requeueJob(trx, job.id, new Date(Date.now() + delay), message);
          });
          flowLog.warn({ err: error, retryInMs: delay }, 'flow failed; it will be retried');
          return 'retrying';
        }
        await guarded(async (trx, current) => {
          await runs.finishFlow(trx, workflowId, flow, { status: 'FAILED', error: message });
          await runs.changeWorkflow(trx, workflowId, {
            processing_status: 'FAILED',
            error: `${flow} failed after ${attempt} attempts: ${message}`,
          });
          await deps.credits.refund(trx, current.customer_id, current.credit_cost, workflowId);
          await queue.finishJob(trx, job.id, 'FAILED', message);
        });
        flowLog.error({ err: error }, 'flow failed for the last time; run FAILED and refunded');
        return 'failed';
      }
      const isFinal = flow === finalFlow(workflow.pipeline_mode);
      await guarded(async (trx) => {
        for (const output of outputs) {
          const key = outputKey(workflowId, flow, isFinal, output.name);
          const bytes = output.data as Buffer;
          await storage.put(key, bytes, output.contentType);
          await runs.upsertMediaFile(trx, {
            workflow_id: workflowId,
            role: flow,
            key,
            content_type: output.contentType,
            size: bytes.byteLength,
            width: output.width,
            height: output.height,
            duration_ms: output.durationMs,
          });
        }
        await runs.finishFlow(trx, workflowId, flow, { status: 'SUCCESS' });
        await runs.changeWorkflow(trx, workflowId, { progress_at_least: overallProgress(workflow.pipeline_mode, flow, 1) });
      });
      flowLog.info({ outputs: outputs.map((o) => o.name) }, 'flow done');
    }
    await guarded(async (trx) => {
      await runs.changeWorkflow(trx, workflowId, { processing_status: 'SUCCESS', progress_exactly: 100, error: null });
      await queue.finishJob(trx, job.id, 'DONE', null);
    });
    log.info('run finished: SUCCESS');
    return 'done';
  } catch (error) {
    if (error instanceof JobLostError) {
      log.info('job is no longer ours (canceled, deleted or taken over); stopping');
      return 'lost';
    }
    throw error;
  } finally {
    clearInterval(heartbeat);
    stopSignal.removeEventListener('abort', onStop);
  }
}

/** `workflows/{id}/{flow}/{name}`, and the final media under `workflows/{id}/media/`. */
export function outputKey(workflowId: string, flow: FlowName, isFinal: boolean, name: string): string {
  return `${workflowPrefix(workflowId)}${isFinal ? 'media' : flow.toLowerCase()}/${name}`;
}

async function loadInput(db: Database, storage: Storage, workflowId: string, role: Completion['flow'] | 'SOURCE'): Promise<FlowInput> {
  const files = (await workflows.mediaFilesOf(db, [workflowId])).filter((file) => file.role === role);
  const file = files[0];
  if (!file) throw new Error(`the input of this flow (${role} output) is missing`);
  return { key: file.key, data: await storage.get(file.key), contentType: file.content_type };
}

async function readOutputs(outputs: FlowOutput[]): Promise<FlowOutput[]> {
  return Promise.all(
    outputs.map(async (output) => (Buffer.isBuffer(output.data) ? output : { ...output, data: await fs.readFile(output.data.path) })),
  );
}

async function withWorkDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'framewright-flow-'));
  try {
    return await work(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Progress within a flow, written at most once per interval (and only when the percentage rises),
 * so a fast ffmpeg progress stream does not turn into hundreds of writes a second.
 */
function throttledProgress(
  db: Database,
  workflowId: string,
  mode: WorkflowRow['pipeline_mode'],
  flow: FlowName,
  intervalMs: number,
  log: Logger,
): (fraction: number) => void {
  let lastWrite = 0;
  let written = -1;
  return (fraction) => {
    const percentage = overallProgress(mode, flow, fraction);
    const now = Date.now();
    // A jump of 10 points is written at once: subscribers are promised one at least every 10.
    if (percentage <= written || (now - lastWrite < intervalMs && percentage - written < 10)) return;
    lastWrite = now;
    written = percentage;
    runs.raiseProgress(db, workflowId, percentage).catch((error: unknown) => log.warn({ err: error }, 'could not write progress'));
  };
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 2000 ? `${message.slice(0, 2000)}…` : message;
}
