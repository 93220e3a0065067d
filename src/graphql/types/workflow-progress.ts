import { ValidationError } from '../../modules/shared/errors.ts';
import type { WorkflowProgressEvent } from '../../progress/progress-stream.ts';
import { builder } from '../builder.ts';
import { FlowEnum, FlowStatusEnum, ProcessingStatusEnum } from './enums.ts';
import { WorkflowType } from './workflow.ts';

const WorkflowProgressEventType = builder.objectRef<WorkflowProgressEvent>('WorkflowProgressEvent').implement({
  fields: (t) => ({
    workflowId: t.exposeID('workflowId'),
    processingStatus: t.expose('processingStatus', { type: ProcessingStatusEnum }),
    progressPercentage: t.exposeInt('progressPercentage'),
    flow: t.expose('flow', {
      type: FlowEnum,
      nullable: true,
      description: 'The flow running now; null while queued and after the run ends.',
    }),
    flowStatus: t.expose('flowStatus', { type: FlowStatusEnum, nullable: true }),
    version: t.exposeInt('version', { description: 'The version this event reflects.' }),
    workflow: t.field({
      type: WorkflowType,
      resolve: (event, _args, ctx) => {
        // The context lives as long as the subscription: each event brings its own nested data
        // (read with the workflow, once for every subscriber), never a copy cached by an earlier one.
        const id = event.workflowId;
        ctx.loaders.completions.prime(id, event.completions);
        ctx.loaders.mediaFiles.prime(id, event.mediaFiles);
        return event.workflow;
      },
    }),
    emittedAt: t.expose('emittedAt', { type: 'DateTime' }),
  }),
});

builder.subscriptionFields((t) => ({
  workflowProgress: t.field({
    type: WorkflowProgressEventType,
    description: [
      "First the current state, at once; then an event for every change after it (each flow's start",
      'and end, and progress within a flow at least every 10 percentage points). The stream ends after',
      'the event with a final status (SUCCESS, FAILED, CANCELED). With sinceVersion, events from that',
      'version on are sent. A workflow the caller may not see is a GraphQL error with',
      'extensions.code NOT_FOUND.',
    ].join('\n'),
    args: { id: t.arg.id({ required: true }), sinceVersion: t.arg.int() },
    // sinceVersion is the last version the client saw. The first event is always the current state:
    // at or after sinceVersion in every real case, so a client that resumes gets nothing older than
    // what it had, and what it missed is folded into that state. A sinceVersion ahead of the
    // workflow (a confused client, a database restored from a backup) gets the current state too:
    // the server's state wins over a stream that would wait for a version that may never come.
    subscribe: (_root, { id, sinceVersion }, ctx) => {
      const workflowId = ctx.services.workflows.watchId(id);
      if (sinceVersion !== null && sinceVersion !== undefined && sinceVersion < 0) {
        throw ValidationError.field('sinceVersion', 'must be 0 or more');
      }
      return ctx.live.feed.subscribe({
        viewer: ctx.viewer,
        workflowId,
        connection: ctx.live.connection,
        remoteAddress: ctx.live.remoteAddress,
      });
    },
    resolve: (event) => event,
  }),
}));
