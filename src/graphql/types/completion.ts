import { mapMaybePromise } from 'graphql-yoga';
import type { Completion } from '../../modules/workflows/workflow.ts';
import { builder } from '../builder.ts';
import { FlowEnum, FlowStatusEnum } from './enums.ts';
import { MediaFileType } from './media-file.ts';

/**
 * A completion as one caller sees it. Whether its files are shown is decided with its workflow
 * (WorkflowsService.showsPrivateFields), which this type cannot see: Workflow.completions marks it.
 */
export type CompletionView = Completion & { resultHidden?: true };

export const CompletionType = builder.objectRef<CompletionView>('Completion').implement({
  fields: (t) => ({
    flow: t.expose('flow', { type: FlowEnum }),
    status: t.expose('status', { type: FlowStatusEnum }),
    result: t.field({
      type: [MediaFileType],
      description: 'The files this flow wrote; empty for any caller but the owner and the admin, who alone see intermediate outputs.',
      resolve: (completion, _args, ctx) => {
        if (completion.resultHidden) return [];
        return mapMaybePromise(ctx.loaders.mediaFiles.load(completion.workflowId), (files) =>
          files.filter((file) => file.role === completion.flow),
        );
      },
    }),
    attempts: t.exposeInt('attempts'),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    error: t.exposeString('error', { nullable: true }),
  }),
});
