import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database, Trx } from '../../db/database.ts';
import type { WorkflowRow, WorkflowRowUpdate } from '../../db/schema/workflows.ts';
import type { Logger } from '../../logger.ts';
import { type ImageInfo, InvalidImageError } from '../../media/image.ts';
import * as queue from '../../queue/jobs.ts';
import type { Storage } from '../../storage/s3.ts';
import { type AuthenticatedViewer, canActFor, requireAuthenticated, type Viewer } from '../auth/viewer.ts';
import type { CreditsService } from '../credits/credits.service.ts';
import type { CustomersService } from '../customers/customers.service.ts';
import { findModel, type ModelDefinition } from '../models/models.ts';
import { AppError, BadRequestError, NotFoundError, UnauthenticatedError, ValidationError } from '../shared/errors.ts';
import { signedDownloadUrl } from '../shared/signed-url.ts';
import { assertUuid, parseInput } from '../shared/validation.ts';
import { safeFileName, type UploadsService } from '../uploads/uploads.service.ts';
import type { WebhooksService } from '../webhooks/webhooks.service.ts';
import type { SourceInspections } from './source-inspections.ts';
import {
  type Completion,
  type MediaFile,
  PIPELINES,
  type PipelineMode,
  type ProcessingStatus,
  toCompletion,
  toMediaFile,
  toWorkflow,
  type Visibility,
  type Workflow,
  workflowPrefix,
} from './workflow.ts';
import { notifyWorkflowChanged } from './workflow-events.ts';
import * as runs from './workflow-runs.repository.ts';
import * as workflows from './workflows.repository.ts';

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

export interface UpdateWorkflowInput {
  title?: string | null;
  description?: string | null;
  visibilityStatus?: Visibility | null;
  primaryUserId?: string | null;
}

export interface WorkflowPage {
  workflows: Workflow[];
  /** The completions and media of each workflow of the page, read with it. */
  children: WorkflowChildren[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** What hangs off a workflow, read in the same statement as its row. */
export interface WorkflowChildren {
  workflowId: string;
  completions: Completion[];
  mediaFiles: MediaFile[];
}

/** What a progress subscriber is sent: the row and its nested data, read in one snapshot. */
export interface WorkflowLiveState {
  workflow: Workflow;
  completions: Completion[];
  mediaFiles: MediaFile[];
}

export interface DeletedWorkflow {
  workflow: Workflow;
  completions: Completion[];
  mediaFiles: MediaFile[];
  deletedObjects: string[];
}

/** A createWorkflow holds its source at most this long before its row commits (25 MB uploads included). */
const ORPHAN_GRACE_MS = 3600 * 1000;

const title = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const description = z.string().max(2000, 'must be at most 2,000 characters').nullish();
const primaryUserId = z.string().trim().min(1, 'must not be empty').max(320, 'must be at most 320 characters');

const createFields = z.object({
  title,
  description,
  primaryUserId,
  idempotencyKey: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters').nullish(),
});

const updateFields = z.object({
  title: title.nullish(),
  description,
  primaryUserId: primaryUserId.nullish(),
});

/** The keyset position a page starts after: the (created_at, id) of the last row of the page before. */
export interface WorkflowCursor {
  createdAt: Date;
  id: string;
}

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

export interface WorkflowsServiceDeps {
  db: Database;
  storage: Storage;
  credits: CreditsService;
  customers: CustomersService;
  uploads: UploadsService;
  webhooks: WebhooksService;
  /** Reads source images' headers under a per-key rate and a per-process concurrency cap. */
  sourceInspections: SourceInspections;
  logger: Logger;
  limits: { maxSourceBytes: number; maxPageSize: number; defaultPageSize: number; maxSignedUrlSeconds: number };
  clock: () => Date;
}

export class WorkflowsService {
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
      if (existing) return this.getOwned(existing);
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
      return this.getOwned(outcome.replayOf);
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

  /** A workflow the viewer may see: its own customer's (or any, for the admin), or a PUBLIC one. */
  async get(viewer: Viewer, id: string, field = 'id'): Promise<Workflow> {
    const workflowId = assertUuid(id, field);
    const row = await workflows.findWorkflow(this.deps.db, workflowId);
    if (!row || !(row.visibility === 'PUBLIC' || canActFor(viewer, row.customer_id))) throw new NotFoundError('Workflow', id);
    return toWorkflow(row);
  }

  /** What `get` answers, with the workflow's completions and media, all in one round trip. */
  async read(viewer: Viewer, id: string): Promise<{ workflow: Workflow; children: WorkflowChildren }> {
    const workflowId = assertUuid(id, 'id');
    const tree = await workflows.findWorkflowTree(this.deps.db, workflowId);
    if (!tree || !(tree.workflow.visibility === 'PUBLIC' || canActFor(viewer, tree.workflow.customer_id))) {
      throw new NotFoundError('Workflow', id);
    }
    return { workflow: toWorkflow(tree.workflow), children: toChildren(tree) };
  }

  /** The caller's workflows (every customer's, for the admin), newest first, after the cursor's row, with their completions and media. */
  async list(
    viewer: Viewer,
    args: {
      first?: number | null;
      after?: WorkflowCursor;
      filter?: { processingStatus?: ProcessingStatus | null; primaryUserId?: string | null; model?: string | null } | null;
    },
  ): Promise<WorkflowPage> {
    const caller = requireAuthenticated(viewer);
    const { maxPageSize, defaultPageSize } = this.deps.limits;
    const first = args.first ?? defaultPageSize;
    if (!Number.isInteger(first) || first < 1 || first > maxPageSize) {
      throw ValidationError.field('first', `must be between 1 and ${maxPageSize}`);
    }
    const after = args.after;
    const trees = await workflows.listWorkflowTrees(this.deps.db, {
      customerId: caller.kind === 'customer' ? caller.customerId : undefined,
      processingStatus: args.filter?.processingStatus ?? undefined,
      primaryUserId: args.filter?.primaryUserId ?? undefined,
      model: args.filter?.model ?? undefined,
      after,
      limit: first + 1,
    });
    const page = trees.slice(0, first);
    return {
      workflows: page.map((tree) => toWorkflow(tree.workflow)),
      children: page.map(toChildren),
      hasNextPage: trees.length > first,
      hasPreviousPage: after !== undefined,
    };
  }

  async update(viewer: Viewer, id: string, input: UpdateWorkflowInput): Promise<Workflow> {
    requireAuthenticated(viewer);
    const workflowId = assertUuid(id, 'id');
    const given = Object.entries(input).filter(([, value]) => value !== undefined);
    if (given.length === 0) {
      throw new BadRequestError('Give at least one field to change: title, description, visibilityStatus or primaryUserId');
    }
    const nulls = given.filter(([key, value]) => value === null && key !== 'description');
    if (nulls.length > 0) {
      throw new ValidationError(nulls.map(([key]) => ({ field: `input.${key}`, message: 'must not be null' })));
    }
    const fields = parseInput(updateFields, input, 'input');
    const patch: WorkflowRowUpdate = {};
    if (fields.title) patch.title = fields.title;
    if (input.description !== undefined) patch.description = fields.description ?? null;
    if (input.visibilityStatus) patch.visibility = input.visibilityStatus;
    if (fields.primaryUserId) patch.primary_user_id = fields.primaryUserId;
    return this.deps.db.transaction().execute(async (trx) => {
      await this.lockOwned(trx, viewer, workflowId);
      const row = await workflows.updateWorkflow(trx, workflowId, patch, this.deps.clock());
      await notifyWorkflowChanged(trx, { workflowId, version: row.version });
      return toWorkflow(row);
    });
  }

  /**
   * Stops the job first (its row lock waits for a worker's write in progress; the job is then
   * CANCELED, so no later write is made), then deletes the objects under the prefix and the rows.
   * An unfinished run is refunded, as a cancel would be.
   */
  async delete(viewer: Viewer, id: string): Promise<DeletedWorkflow> {
    requireAuthenticated(viewer);
    const workflowId = assertUuid(id, 'id');
    const { db, storage, credits, logger } = this.deps;
    const deleted = await db.transaction().execute(async (trx) => {
      const row = await this.lockOwned(trx, viewer, workflowId);
      await queue.lockJobOf(trx, workflowId);
      await queue.cancelJobOf(trx, workflowId);
      const [completionRows, mediaRows] = await Promise.all([
        workflows.completionsOf(trx, [workflowId]),
        workflows.mediaFilesOf(trx, [workflowId]),
      ]);
      if (isUnfinished(row.processing_status)) await credits.refund(trx, row.customer_id, row.credit_cost, workflowId);
      // Recorded while the rows still stand: the event carries the workflow as it was.
      await this.deps.webhooks.recordWorkflowEvent(trx, workflowId, 'WORKFLOW_DELETED');
      const deletedObjects = await storage.deletePrefix(workflowPrefix(workflowId));
      await workflows.deleteWorkflow(trx, workflowId);
      await notifyWorkflowChanged(trx, { workflowId, version: row.version + 1, deleted: true });
      return {
        workflow: toWorkflow(row),
        completions: completionRows.map(toCompletion),
        mediaFiles: mediaRows.map(toMediaFile),
        deletedObjects,
      };
    });
    logger.info({ workflowId, objects: deleted.deletedObjects.length }, 'workflow deleted');
    return deleted;
  }

  /** QUEUED or PROCESSING → CANCELED with a refund; the worker sees its job canceled and kills the flow. */
  async cancel(viewer: Viewer, id: string): Promise<Workflow> {
    requireAuthenticated(viewer);
    const workflowId = assertUuid(id, 'id');
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.lockOwned(trx, viewer, workflowId);
      if (!isUnfinished(row.processing_status)) {
        throw new BadRequestError(`Only a QUEUED or PROCESSING workflow can be canceled; this one is ${row.processing_status}`);
      }
      await queue.lockJobOf(trx, workflowId);
      await queue.cancelJobOf(trx, workflowId);
      await runs.resetRunningFlows(trx, workflowId, 'canceled');
      await this.deps.credits.refund(trx, row.customer_id, row.credit_cost, workflowId);
      const changed = await runs.changeWorkflow(trx, workflowId, { processing_status: 'CANCELED', error: null });
      await this.deps.webhooks.recordWorkflowEvent(trx, workflowId, 'WORKFLOW_CANCELED');
      this.deps.logger.info({ workflowId }, 'workflow canceled');
      return toWorkflow(changed);
    });
  }

  /** FAILED or CANCELED → QUEUED: reserves the credits again and resumes at the first unfinished flow. */
  async retry(viewer: Viewer, id: string): Promise<Workflow> {
    requireAuthenticated(viewer);
    const workflowId = assertUuid(id, 'id');
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.lockOwned(trx, viewer, workflowId);
      if (row.processing_status !== 'FAILED' && row.processing_status !== 'CANCELED') {
        throw new BadRequestError(`Only a FAILED or CANCELED workflow can be retried; this one is ${row.processing_status}`);
      }
      await this.deps.credits.reserve(trx, row.customer_id, row.credit_cost, workflowId);
      await runs.resetFailedFlows(trx, workflowId);
      await queue.lockJobOf(trx, workflowId);
      await queue.requeueJobOf(trx, workflowId);
      const changed = await runs.changeWorkflow(trx, workflowId, { processing_status: 'QUEUED', error: null });
      this.deps.logger.info({ workflowId }, 'workflow queued again');
      return toWorkflow(changed);
    });
  }

  /**
   * The live state of many workflows at once (the progress feed batches every notification of a
   * tick into one call). One repeatable-read snapshot, so a row's version always matches its
   * completions. A deleted workflow is absent from the map.
   */
  async liveStates(ids: readonly string[]): Promise<Map<string, WorkflowLiveState>> {
    const states = new Map<string, WorkflowLiveState>();
    if (ids.length === 0) return states;
    return this.deps.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => {
        const rows = await workflows.findWorkflowsByIds(trx, ids);
        if (rows.length === 0) return states;
        const found = rows.map((row) => row.id);
        const [completionRows, mediaRows] = await Promise.all([workflows.completionsOf(trx, found), workflows.mediaFilesOf(trx, found)]);
        for (const row of rows) states.set(row.id, { workflow: toWorkflow(row), completions: [], mediaFiles: [] });
        for (const row of completionRows) states.get(row.workflow_id)?.completions.push(toCompletion(row));
        for (const row of mediaRows) states.get(row.workflow_id)?.mediaFiles.push(toMediaFile(row));
        return states;
      });
  }

  /**
   * Who the workflow is for (primaryUserId, often an e-mail), whose it is, its source and what each
   * flow wrote from it (the cropped original at full resolution, the upscaled subject) are the
   * owner's business: anyone else who may read it (a PUBLIC workflow) sees them as null (the
   * completions' results as empty), and sees only the final media. Every door that shows a
   * workflow asks here.
   */
  showsPrivateFields(viewer: Viewer, workflow: Workflow): boolean {
    return canActFor(viewer, workflow.customerId);
  }

  /** The id of a workflowProgress subscription, checked before anything is read. */
  watchId(id: string): string {
    return assertUuid(id, 'id');
  }

  /**
   * Who may follow a workflow live: anyone for a PUBLIC one, else its customer or the admin. With
   * no key the answer for anything but a PUBLIC workflow is UNAUTHENTICATED, whether it exists or
   * not; with a key, a workflow of another customer is as absent as an unknown one.
   */
  authorizeWatch(viewer: Viewer, id: string, workflow: Workflow | undefined): void {
    if (workflow?.visibility === 'PUBLIC') return;
    if (viewer.kind === 'anonymous') {
      throw new UnauthenticatedError('An API key is required to follow this workflow: send "Authorization: Bearer <key>"');
    }
    if (!workflow || !canActFor(viewer, workflow.customerId)) throw new NotFoundError('Workflow', id);
  }

  async completionsOf(workflowIds: readonly string[]): Promise<Completion[]> {
    return (await workflows.completionsOf(this.deps.db, workflowIds)).map(toCompletion);
  }

  async mediaFilesOf(workflowIds: readonly string[]): Promise<MediaFile[]> {
    return (await workflows.mediaFilesOf(this.deps.db, workflowIds)).map(toMediaFile);
  }

  /**
   * A download URL valid at least `expiresIn` seconds, 1 to 7 days at most; one already signed
   * is handed back as it is (no promise for the executor to wait on per URL of a page).
   */
  downloadUrl(key: string, expiresIn: number | null | undefined): string | Promise<string> {
    const { storage, limits } = this.deps;
    const seconds = expiresIn ?? 3600;
    const signed = seconds <= limits.maxSignedUrlSeconds ? storage.signedGetUrl(key, seconds) : undefined;
    return signed ?? signedDownloadUrl(storage, key, expiresIn, limits.maxSignedUrlSeconds);
  }

  private async getOwned(id: string): Promise<Workflow> {
    const row = await workflows.findWorkflow(this.deps.db, id);
    if (!row) throw new NotFoundError('Workflow', id);
    return toWorkflow(row);
  }

  /**
   * Locks the workflow's row for the transaction if the viewer may change it. Another customer's
   * workflow is as absent as an unknown one: NotFound, never a hint that it exists.
   */
  private async lockOwned(trx: Trx, viewer: Viewer, workflowId: string): Promise<WorkflowRow> {
    const row = await workflows.lockWorkflow(trx, workflowId);
    if (!row || !canActFor(viewer, row.customer_id)) throw new NotFoundError('Workflow', workflowId);
    return row;
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
}

/** Whose inspection rate a call spends: its customer's (all of its keys together), or the admin key's. */
function inspectionRateKey(caller: AuthenticatedViewer): string {
  return caller.kind === 'admin' ? 'admin' : `customer:${caller.customerId}`;
}

function toChildren(tree: workflows.WorkflowTree): WorkflowChildren {
  return {
    workflowId: tree.workflow.id,
    completions: tree.completions.map(toCompletion),
    mediaFiles: tree.mediaFiles.map(toMediaFile),
  };
}

function isUnfinished(status: ProcessingStatus): boolean {
  return status === 'QUEUED' || status === 'PROCESSING';
}
