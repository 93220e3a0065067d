import type { Database, Trx } from '../../db/database.ts';
import type { WorkflowRow } from '../../db/schema/workflows.ts';
import type { Logger } from '../../logger.ts';
import * as queue from '../../queue/jobs.ts';
import type { Storage } from '../../storage/s3.ts';
import { canActFor, requireAuthenticated, type Viewer } from '../auth/viewer.ts';
import type { CreditsService } from '../credits/credits.service.ts';
import type { CustomersService } from '../customers/customers.service.ts';
import { BadRequestError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { signedDownloadUrl } from '../shared/signed-url.ts';
import { assertUuid } from '../shared/validation.ts';
import type { UploadsService } from '../uploads/uploads.service.ts';
import { type CreateWorkflowInput, WorkflowCreator } from './create-workflow.ts';
import type { SourceInspections } from './source-inspections.ts';
import { patchOf, type UpdateWorkflowInput } from './update-workflow.ts';
import {
  type Completion,
  type DeletedWorkflow,
  type MediaFile,
  type ProcessingStatus,
  toCompletion,
  toMediaFile,
  toWorkflow,
  type Workflow,
  type WorkflowChildren,
  type WorkflowCursor,
  type WorkflowLiveState,
  type WorkflowPage,
  workflowPrefix,
} from './workflow.ts';
import { announceEnd, type WorkflowEndListener } from './workflow-ended.ts';
import { notifyWorkflowChanged } from './workflow-events.ts';
import * as runs from './workflow-runs.repository.ts';
import { scrubbed } from './workflow-snapshot.ts';
import { requireVisible, showsPrivateFields } from './workflow-visibility.ts';
import * as workflows from './workflows.repository.ts';

export interface WorkflowsServiceDeps {
  db: Database;
  storage: Storage;
  credits: CreditsService;
  customers: CustomersService;
  uploads: UploadsService;
  /** Told, in the same transaction, of every workflow that ends or is deleted (the webhooks' outbox). */
  endListener: WorkflowEndListener;
  /** Reads source images' headers under a per-key rate and a per-process concurrency cap. */
  sourceInspections: SourceInspections;
  logger: Logger;
  limits: { maxSourceBytes: number; maxPageSize: number; defaultPageSize: number; maxSignedUrlSeconds: number };
  clock: () => Date;
}

export class WorkflowsService {
  private readonly deps: WorkflowsServiceDeps;
  private readonly creator: WorkflowCreator;
  constructor(deps: WorkflowsServiceDeps) {
    this.deps = deps;
    this.creator = new WorkflowCreator(deps);
  }

  /** See WorkflowCreator.create: every cheap refusal first, then the source's header, then one transaction. */
  create(viewer: Viewer, input: CreateWorkflowInput): Promise<Workflow> {
    return this.creator.create(viewer, input);
  }

  /** See WorkflowCreator.sweepOrphanObjects. */
  sweepOrphanObjects(olderThanMs?: number, batchSize?: number): Promise<number> {
    return this.creator.sweepOrphanObjects(olderThanMs, batchSize);
  }

  /** A workflow the viewer may see: its own customer's (or any, for the admin), or a PUBLIC one. */
  async get(viewer: Viewer, id: string, field = 'id'): Promise<Workflow> {
    const workflowId = assertUuid(id, field);
    const row = await workflows.findWorkflow(this.deps.db, workflowId);
    const workflow = row && toWorkflow(row);
    requireVisible(viewer, id, workflow);
    return workflow!;
  }

  /** What `get` answers, with the workflow's completions and media, all in one round trip. */
  async read(viewer: Viewer, id: string): Promise<{ workflow: Workflow; children: WorkflowChildren }> {
    const workflowId = assertUuid(id, 'id');
    const tree = await workflows.findWorkflowTree(this.deps.db, workflowId);
    const workflow = tree && toWorkflow(tree.workflow);
    requireVisible(viewer, id, workflow);
    return { workflow: workflow!, children: toChildren(tree!) };
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
    const patch = patchOf(input);
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
      // Told while the rows still stand (the workflow as it was, less its owner's fields); what was
      // kept of it earlier loses them in this same transaction.
      await this.deps.endListener.forgetOwner(trx, workflowId, scrubbed);
      await announceEnd(trx, this.deps.endListener, 'WORKFLOW_DELETED', row, scrubbed);
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
      await announceEnd(trx, this.deps.endListener, 'WORKFLOW_CANCELED', changed);
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

  /** See workflow-visibility.ts: the owner's fields are for the owner and the admin. */
  showsPrivateFields(viewer: Viewer, workflow: Workflow): boolean {
    return showsPrivateFields(viewer, workflow);
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
    requireVisible(viewer, id, workflow, 'An API key is required to follow this workflow: send "Authorization: Bearer <key>"');
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
    const signed = seconds <= limits.maxSignedUrlSeconds ? storage.cachedGetUrl(key, seconds) : undefined;
    return signed ?? signedDownloadUrl(storage, key, expiresIn, limits.maxSignedUrlSeconds);
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
