import { mapMaybePromise } from 'graphql-yoga';
import type { GraphQLContext } from '../../context.ts';
import { BadRequestError, InsufficientCreditError, NotFoundError, ValidationError } from '../../modules/shared/errors.ts';
import type { DeletedWorkflow, WorkflowChildren, WorkflowPage } from '../../modules/workflows/workflow.ts';
import { finalFlow, type MediaFile, type Workflow } from '../../modules/workflows/workflow.ts';
import { builder } from '../builder.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { CompletionType, type CompletionView } from './completion.ts';
import { PipelineModeEnum, ProcessingStatusEnum, VisibilityStatusEnum } from './enums.ts';
import { MediaFileType } from './media-file.ts';
import { PageInfoType, pageInfoOf } from './page-info.ts';

const WorkflowOptionsType = builder.objectRef<Pick<Workflow, 'aspectRatio' | 'pipelineMode'>>('WorkflowOptions').implement({
  fields: (t) => ({
    aspectRatio: t.exposeString('aspectRatio', { description: 'Width:height, e.g. "16:9".' }),
    pipelineMode: t.expose('pipelineMode', { type: PipelineModeEnum }),
  }),
});

export const WorkflowType = builder.objectRef<Workflow>('Workflow').implement({
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'pipelineMode' in value && 'processingStatus' in value,
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    description: t.exposeString('description', { nullable: true }),
    visibilityStatus: t.expose('visibility', { type: VisibilityStatusEnum }),
    model: t.exposeString('model'),
    options: t.field({ type: WorkflowOptionsType, resolve: (w) => w }),
    primaryUserId: t.string({
      nullable: true,
      description: "The owner's own reference for the end user; null for any caller but the owner and the admin.",
      resolve: (w, _args, ctx) => (ctx.services.workflows.showsPrivateFields(ctx.viewer, w) ? w.primaryUserId : null),
    }),
    customerId: t.id({
      nullable: true,
      description: 'Null for any caller but the owner and the admin.',
      resolve: (w, _args, ctx) => (ctx.services.workflows.showsPrivateFields(ctx.viewer, w) ? w.customerId : null),
    }),
    processingStatus: t.expose('processingStatus', { type: ProcessingStatusEnum }),
    progressPercentage: t.exposeInt('progressPercentage', { description: '0 to 100, never decreasing while a run goes on.' }),
    completions: t.field({
      type: [CompletionType],
      description: 'One entry per flow of the pipeline, in pipeline order, from creation on.',
      resolve: (w, _args, ctx) => {
        const completions = ctx.loaders.completions.load(w.id);
        if (ctx.services.workflows.showsPrivateFields(ctx.viewer, w)) return completions;
        // What each flow wrote (the cropped original, the upscaled subject...) stays the owner's.
        return mapMaybePromise(completions, (all) => all.map((completion): CompletionView => ({ ...completion, resultHidden: true })));
      },
    }),
    result: t.field({
      type: ['String'],
      description: 'Download URLs of the final media, in the order of mediaResult.',
      resolve: async (w, _args, ctx) => {
        const files = finalMedia(w, await ctx.loaders.mediaFiles.load(w.id));
        return Promise.all(files.map((file) => ctx.services.workflows.downloadUrl(file.key, undefined)));
      },
    }),
    mediaResult: t.field({
      type: [MediaFileType],
      description: 'The final media: an MP4 for VIDEO, a PNG for IMAGE.',
      resolve: (w, _args, ctx) => mapMaybePromise(ctx.loaders.mediaFiles.load(w.id), (files) => finalMedia(w, files)),
    }),
    source: t.field({
      type: MediaFileType,
      nullable: true,
      description: 'The uploaded input; null for any caller but the owner and the admin.',
      resolve: (w, _args, ctx) => {
        if (!ctx.services.workflows.showsPrivateFields(ctx.viewer, w)) return null;
        return mapMaybePromise(ctx.loaders.mediaFiles.load(w.id), (files) => files.find((file) => file.role === 'SOURCE') ?? null);
      },
    }),
    creditCost: t.exposeInt('creditCost', { description: 'Credits reserved at creation; refunded when the run fails or is canceled.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why the run failed, when processingStatus is FAILED.' }),
    version: t.exposeInt('version', { description: 'Increases by one with every change; a subscriber can resume after it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

/** The nested fields (completions, their results, mediaResult, source) are then served without another query. */
function primeChildren(ctx: GraphQLContext, { workflowId, completions, mediaFiles }: WorkflowChildren): void {
  ctx.loaders.completions.prime(workflowId, completions);
  ctx.loaders.mediaFiles.prime(workflowId, mediaFiles);
}

function finalMedia(workflow: Workflow, files: MediaFile[]): MediaFile[] {
  const flow = finalFlow(workflow.pipelineMode);
  return files.filter((file) => file.role === flow);
}

const WorkflowEdgeType = builder.objectRef<Workflow>('WorkflowEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (w) => encodeCursor(w) }),
    node: t.field({ type: WorkflowType, resolve: (w) => w }),
  }),
});

const WorkflowConnectionType = builder.objectRef<WorkflowPage>('WorkflowConnection').implement({
  fields: (t) => ({
    edges: t.field({ type: [WorkflowEdgeType], resolve: (page) => page.workflows }),
    pageInfo: t.field({
      type: PageInfoType,
      resolve: (page) => pageInfoOf(page.workflows, page),
    }),
  }),
});

const WorkflowFilter = builder.inputType('WorkflowFilter', {
  fields: (t) => ({
    processingStatus: t.field({ type: ProcessingStatusEnum }),
    primaryUserId: t.string(),
    model: t.string(),
  }),
});

const WorkflowOptionsInput = builder.inputType('WorkflowOptionsInput', {
  fields: (t) => ({
    aspectRatio: t.string(),
    pipelineMode: t.field({ type: PipelineModeEnum }),
  }),
});

const CreateWorkflowInput = builder.inputType('CreateWorkflowInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    description: t.string(),
    visibilityStatus: t.field({ type: VisibilityStatusEnum }),
    model: t.string({ required: true }),
    options: t.field({ type: WorkflowOptionsInput }),
    primaryUserId: t.string({ required: true }),
    customerId: t.id({ description: 'Only the admin key may name a customer; a customer key always acts for its own.' }),
    source: t.field({ type: 'File', description: 'The input image (PNG, WebP, JPEG, AVIF or TIFF) as a multipart upload...' }),
    uploadId: t.id({ description: '...or the id of an upload made to a URL from createUpload. Exactly one of the two.' }),
    idempotencyKey: t.string({
      description: 'The same key from the same customer returns the first workflow and charges nothing more.',
    }),
  }),
});

const UpdateWorkflowInput = builder.inputType('UpdateWorkflowInput', {
  fields: (t) => ({
    title: t.string(),
    description: t.string(),
    visibilityStatus: t.field({ type: VisibilityStatusEnum }),
    primaryUserId: t.string(),
  }),
});

const DeleteWorkflowPayload = builder.objectRef<DeletedWorkflow>('DeleteWorkflowPayload').implement({
  fields: (t) => ({
    workflow: t.field({
      type: WorkflowType,
      description: 'The workflow as it was when deleted.',
      resolve: (deleted, _args, ctx) => {
        // Its rows are gone: serve the nested fields from the snapshot taken before the delete.
        ctx.loaders.completions.prime(deleted.workflow.id, deleted.completions);
        ctx.loaders.mediaFiles.prime(deleted.workflow.id, deleted.mediaFiles);
        return deleted.workflow;
      },
    }),
    deletedObjects: t.field({
      type: ['String'],
      description: 'Keys of every object removed from the bucket.',
      resolve: (deleted) => deleted.deletedObjects,
    }),
  }),
});

builder.queryFields((t) => ({
  workflow: t.field({
    type: WorkflowType,
    description: "The workflow, if the caller may see it: its own customer's, or any PUBLIC one.",
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [NotFoundError, ValidationError], union: { name: 'WorkflowResult' } },
    resolve: async (_root, { id }, ctx) => {
      const { workflow, children } = await ctx.services.workflows.read(ctx.viewer, id);
      primeChildren(ctx, children);
      return workflow;
    },
  }),
  workflows: t.field({
    type: WorkflowConnectionType,
    description: "The caller's workflows, newest first.",
    args: { first: t.arg.int(), after: t.arg.string(), filter: t.arg({ type: WorkflowFilter }) },
    resolve: async (_root, { after, ...args }, ctx) => {
      const page = await ctx.services.workflows.list(ctx.viewer, { ...args, after: after ? decodeCursor(after, 'after') : undefined });
      for (const children of page.children) primeChildren(ctx, children);
      return page;
    },
  }),
}));

builder.mutationFields((t) => ({
  createWorkflow: t.field({
    type: WorkflowType,
    args: { input: t.arg({ type: CreateWorkflowInput, required: true }) },
    errors: {
      types: [InsufficientCreditError, NotFoundError, ValidationError],
      union: { name: 'CreateWorkflowResult' },
    },
    resolve: (_root, { input }, ctx) => ctx.services.workflows.create(ctx.viewer, input),
  }),
  updateWorkflow: t.field({
    type: WorkflowType,
    description: 'Updates one or more fields; an input with none is a BadRequestError.',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateWorkflowInput, required: true }) },
    errors: { types: [BadRequestError, NotFoundError, ValidationError], union: { name: 'UpdateWorkflowResult' } },
    resolve: (_root, { id, input }, ctx) => ctx.services.workflows.update(ctx.viewer, id, input),
  }),
  cancelWorkflow: t.field({
    type: WorkflowType,
    description: 'Stops a QUEUED or PROCESSING run; refunds its credits.',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [BadRequestError, NotFoundError, ValidationError], union: { name: 'CancelWorkflowResult' } },
    resolve: (_root, { id }, ctx) => ctx.services.workflows.cancel(ctx.viewer, id),
  }),
  retryWorkflow: t.field({
    type: WorkflowType,
    description: 'Runs a FAILED or CANCELED workflow again from its first unfinished flow.',
    args: { id: t.arg.id({ required: true }) },
    errors: {
      types: [BadRequestError, InsufficientCreditError, NotFoundError, ValidationError],
      union: { name: 'RetryWorkflowResult' },
    },
    resolve: (_root, { id }, ctx) => ctx.services.workflows.retry(ctx.viewer, id),
  }),
  deleteWorkflow: t.field({
    type: DeleteWorkflowPayload,
    description: 'Deletes the workflow and every object under its prefix; stops its run first.',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [NotFoundError, ValidationError], union: { name: 'DeleteWorkflowResult' } },
    resolve: (_root, { id }, ctx) => ctx.services.workflows.delete(ctx.viewer, id),
  }),
}));
