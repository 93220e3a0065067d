import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Trx } from '../../db/database.ts';
import { type ImageInfo, InvalidImageError } from '../../media/image.ts';
import * as queue from '../../queue/jobs.ts';
import { type AuthenticatedViewer, requireAuthenticated, type Viewer } from '../auth/viewer.ts';
import { findModel, type ModelDefinition } from '../models/models.ts';
import { AppError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { parseInput } from '../shared/validation.ts';
import { safeFileName } from '../uploads/uploads.service.ts';
import { PIPELINES, type PipelineMode, toWorkflow, type Visibility, type Workflow, workflowPrefix } from './workflow.ts';
import * as workflows from './workflows.repository.ts';
import type { WorkflowsServiceDeps } from './workflows.service.ts';

// The create path of createWorkflow: what it checks, in which order, and how a refusal leaves
// nothing behind. WorkflowsService hands create() here.

/** What a multipart upload hands us (graphql-yoga's File is a WHATWG File). */
export interface SourceFile {
  name: string;
  size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface CreateWorkflowInput {
  title: string;
  description?: string | null;
  visibilityStatus?: Visibility | null;
  model: string;
  options?: { aspectRatio?: string | null; pipelineMode?: PipelineMode | null } | null;
  primaryUserId: string;
  customerId?: string | null;
  source?: SourceFile | null;
  uploadId?: string | null;
  idempotencyKey?: string | null;
}

/** A createWorkflow holds its source at most this long before its row commits (25 MB uploads included). */
const ORPHAN_GRACE_MS = 3600 * 1000;

export const titleField = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
export const descriptionField = z.string().max(2000, 'must be at most 2,000 characters').nullish();
export const primaryUserIdField = z.string().trim().min(1, 'must not be empty').max(320, 'must be at most 320 characters');

const createFields = z.object({
  title: titleField,
  description: descriptionField,
  primaryUserId: primaryUserIdField,
  idempotencyKey: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters').nullish(),
});

/** A createWorkflow input once checked, before anything is read or stored. */
interface CreatePlan {
  title: string;
  description: string | null;
  visibility: Visibility;
  primaryUserId: string;
  idempotencyKey: string | undefined;
  model: ModelDefinition;
  aspectRatio: string;
  pipelineMode: PipelineMode;
  /** The model's price for the pipeline mode. */
  cost: number;
}

/** The source's bytes as received (multipart) or read from the bucket (upload), not yet looked at. */
interface SourceBytes {
  bytes: Buffer;
  fileName: string;
  /** The input field the source came in, for errors about it. */
  field: 'input.source' | 'input.uploadId';
  uploadId?: string;
  uploadKey?: string;
}

/** The source once stored under the new workflow's prefix. */
interface StoredSource {
  workflowId: string;
  key: string;
  size: number;
  image: { contentType: string; width: number; height: number };
  /** Set when the source came from a presigned upload: consumed in the transaction, removed after. */
  uploadId?: string;
  uploadKey?: string;
}

/** Every check of createWorkflow that needs no I/O: the fields, the model and its options, one source. */
function validateCreate(input: CreateWorkflowInput): CreatePlan {
  const fields = parseInput(createFields, input, 'input');
  const model = findModel(input.model);
  if (!model) throw new NotFoundError('Model', input.model);
  const aspectRatio = input.options?.aspectRatio ?? '16:9';
  const pipelineMode = input.options?.pipelineMode ?? 'VIDEO';
  const fieldErrors = [];
  if (!model.aspectRatios.includes(aspectRatio)) {
    fieldErrors.push({
      field: 'input.options.aspectRatio',
      message: `must be one of ${model.aspectRatios.join(', ')} for model ${model.id}`,
    });
  }
  if (!model.pipelineModes.includes(pipelineMode)) {
    fieldErrors.push({
      field: 'input.options.pipelineMode',
      message: `must be one of ${model.pipelineModes.join(', ')} for model ${model.id}`,
    });
  }
  const hasSource = input.source !== null && input.source !== undefined;
  const hasUpload = input.uploadId !== null && input.uploadId !== undefined;
  if (hasSource === hasUpload) {
    fieldErrors.push({ field: 'input.source', message: 'give exactly one of source (a multipart file) or uploadId' });
  }
  if (fieldErrors.length > 0) throw new ValidationError(fieldErrors);
  return {
    title: fields.title,
    description: fields.description ?? null,
    visibility: input.visibilityStatus ?? 'PRIVATE',
    primaryUserId: fields.primaryUserId,
    idempotencyKey: fields.idempotencyKey ?? undefined,
    model,
    aspectRatio,
    pipelineMode,
    cost: model.creditCost[pipelineMode],
  };
}

/**
 * Creates workflows. Refuses first what costs nothing to know, reads and stores the source, and
 * commits the run in one transaction; a refusal leaves no row, object or charge behind.
 */
export class WorkflowCreator {
  private readonly deps: WorkflowsServiceDeps;
  constructor(deps: WorkflowsServiceDeps) {
    this.deps = deps;
  }

  /**
   * Refuses first what costs nothing to know: the fields, a replayed idempotency key, a balance
   * below the run's cost, a caller past its inspection rate. Only then reads the source and its
   * header (never its pixels: the worker decodes them), stores it, and in one transaction claims
   * the idempotency key, reserves the credits and inserts the workflow, its completions and its
   * job. Any failure removes the stored source, so a rejected request leaves no row, object or
   * charge behind; one that read an upload counts against that upload.
   */
  async create(viewer: Viewer, input: CreateWorkflowInput): Promise<Workflow> {
    const caller = requireAuthenticated(viewer);
    const customerId = await this.deps.customers.actingCustomerId(caller, input.customerId, 'input.customerId');
    const plan = validateCreate(input);
    if (plan.idempotencyKey) {
      // The common replay is answered before any upload work; the race is settled in the transaction.
      const existing = await workflows.findFreshIdempotentWorkflowId(this.deps.db, customerId, plan.idempotencyKey, this.deps.clock());
      if (existing) return this.existing(existing);
    }
    await this.deps.credits.ensureCovered(customerId, plan.cost);
    await this.deps.sourceInspections.admit(inspectionRateKey(caller));
    const source = await this.readSource(customerId, input);
    try {
      return await this.createFromSource(customerId, plan, source);
    } catch (error) {
      // The caller's own failures (the image, the balance), not a busy server or an outage.
      if (source.uploadId && error instanceof AppError) await this.recordFailedUpload(source.uploadId);
      throw error;
    }
  }

  /** Checks the source's header, stores the source under a new workflow and commits the run. */
  private async createFromSource(customerId: string, plan: CreatePlan, source: SourceBytes): Promise<Workflow> {
    const stored = await this.storeSource(source, await this.inspectSource(source), randomUUID());
    let outcome: { created: Workflow } | { replayOf: string };
    try {
      outcome = await this.deps.db.transaction().execute((trx) => this.insertRun(trx, customerId, plan, stored));
    } catch (error) {
      await this.removeQuietly(stored.key);
      throw error;
    }
    if ('replayOf' in outcome) {
      await this.removeQuietly(stored.key);
      return this.existing(outcome.replayOf);
    }
    // The upload's bytes now live under the workflow's prefix.
    if (stored.uploadKey) await this.removeQuietly(stored.uploadKey);
    const { model, pipelineMode, aspectRatio } = plan;
    this.deps.logger.info({ workflowId: stored.workflowId, customerId, model: model.id, pipelineMode, aspectRatio }, 'workflow created');
    return outcome.created;
  }

  /** The source's header, checked against what the pipeline can take; a refusal names the source's field. */
  private async inspectSource(source: SourceBytes): Promise<ImageInfo> {
    try {
      return await this.deps.sourceInspections.inspect(source.bytes);
    } catch (error) {
      if (error instanceof InvalidImageError) throw ValidationError.field(source.field, `file ${error.message}`);
      throw error;
    }
  }

  /** Stores the checked source under the new workflow's prefix. */
  private async storeSource(source: SourceBytes, image: ImageInfo, workflowId: string): Promise<StoredSource> {
    const { bytes, fileName, uploadId, uploadKey } = source;
    const key = `${workflowPrefix(workflowId)}source/${safeFileName(fileName, `source.${image.extension}`)}`;
    // Noted first: should this process die before the workflow's row commits, the sweep removes the object.
    await workflows.markObjectPending(this.deps.db, key);
    await this.deps.storage.put(key, bytes, image.contentType);
    return { workflowId, key, uploadId, uploadKey, size: bytes.byteLength, image };
  }

  /** Counted without hiding the request's own error: a failure to count is only logged. */
  private async recordFailedUpload(uploadId: string): Promise<void> {
    try {
      await this.deps.uploads.recordFailedUse(uploadId);
    } catch (error) {
      this.deps.logger.error({ err: error, uploadId }, 'could not count a failed use of an upload');
    }
  }

  /** The rows of a new run, in the caller's transaction; or the workflow that already holds the idempotency key. */
  private async insertRun(
    trx: Trx,
    customerId: string,
    plan: CreatePlan,
    source: StoredSource,
  ): Promise<{ created: Workflow } | { replayOf: string }> {
    const { workflowId } = source;
    const now = this.deps.clock();
    if (plan.idempotencyKey) {
      const claim = await workflows.claimIdempotencyKey(trx, customerId, plan.idempotencyKey, workflowId, now);
      if (!claim.won) return { replayOf: claim.workflowId };
    }
    const { cost } = plan;
    await this.deps.credits.reserve(trx, customerId, cost, workflowId);
    if (source.uploadId) await this.deps.uploads.consume(trx, source.uploadId, 'input.uploadId');
    const row = await workflows.insertWorkflow(trx, {
      id: workflowId,
      customer_id: customerId,
      title: plan.title,
      description: plan.description,
      visibility: plan.visibility,
      model: plan.model.id,
      aspect_ratio: plan.aspectRatio,
      pipeline_mode: plan.pipelineMode,
      primary_user_id: plan.primaryUserId,
      credit_cost: cost,
      created_at: now,
      updated_at: now,
    });
    await workflows.insertCompletions(
      trx,
      PIPELINES[plan.pipelineMode].map((flow, position) => ({ workflow_id: workflowId, flow, position })),
    );
    await workflows.insertMediaFile(trx, {
      workflow_id: workflowId,
      role: 'SOURCE',
      key: source.key,
      content_type: source.image.contentType,
      size: source.size,
      width: source.image.width,
      height: source.image.height,
      duration_ms: null,
      updated_at: now,
    });
    await queue.enqueueJob(trx, workflowId);
    await workflows.clearPendingObject(trx, source.key);
    return { created: toWorkflow(row) };
  }

  /** The source's bytes: the multipart file within the size limit, or the caller's unused upload. */
  private async readSource(customerId: string, input: CreateWorkflowInput): Promise<SourceBytes> {
    const { maxSourceBytes } = this.deps.limits;
    if (input.source) {
      if (input.source.size > maxSourceBytes) {
        throw ValidationError.field('input.source', `file is ${input.source.size} bytes; the limit is ${maxSourceBytes} bytes (25 MB)`);
      }
      if (input.source.size === 0) throw ValidationError.field('input.source', 'file is empty');
      return { bytes: Buffer.from(await input.source.arrayBuffer()), fileName: input.source.name, field: 'input.source' };
    }
    const { upload, bytes } = await this.deps.uploads.fetchForUse(customerId, input.uploadId!, 'input.uploadId');
    return { bytes, fileName: upload.filename, field: 'input.uploadId', uploadId: upload.id, uploadKey: upload.key };
  }

  /**
   * Removes objects whose workflow never committed (the process died between storing the source
   * and its transaction), once they are older than any request could still be. Returns how many.
   */
  async sweepOrphanObjects(olderThanMs = ORPHAN_GRACE_MS, batchSize = 100): Promise<number> {
    const cutoff = new Date(this.deps.clock().getTime() - olderThanMs);
    const keys = await workflows.findPendingObjectsBefore(this.deps.db, cutoff, batchSize);
    for (const key of keys) {
      await this.deps.storage.delete(key);
      await workflows.clearPendingObject(this.deps.db, key);
    }
    return keys.length;
  }

  private async removeQuietly(key: string): Promise<void> {
    try {
      await this.deps.storage.delete(key);
      await workflows.clearPendingObject(this.deps.db, key);
    } catch (error) {
      this.deps.logger.error({ err: error, key }, 'could not remove an object after a failed request; remove it by hand');
    }
  }

  /** The workflow an idempotency key already names. */
  private async existing(id: string): Promise<Workflow> {
    const row = await workflows.findWorkflow(this.deps.db, id);
    if (!row) throw new NotFoundError('Workflow', id);
    return toWorkflow(row);
  }
}

/** Whose inspection rate a call spends: its customer's (all of its keys together), or the admin key's. */
function inspectionRateKey(caller: AuthenticatedViewer): string {
  return caller.kind === 'admin' ? 'admin' : `customer:${caller.customerId}`;
}
