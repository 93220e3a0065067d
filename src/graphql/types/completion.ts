import { mapMaybePromise } from 'graphql-yoga';
import type { Completion } from '../../modules/workflows/workflow.ts';
import { builder } from '../builder.ts';
import { FlowEnum, FlowStatusEnum } from './enums.ts';
import { MediaFileType } from './media-file.ts';

export const CompletionType = builder.objectRef<Completion>('Completion').implement({
  fields: (t) => ({
    flow: t.expose('flow', { type: FlowEnum }),
    status: t.expose('status', { type: FlowStatusEnum }),
    result: t.field({
      type: [MediaFileType],
      description: 'The files this flow wrote.',
      resolve: (completion, _args, ctx) =>
        mapMaybePromise(ctx.loaders.mediaFiles.load(completion.workflowId), (files) =>
          files.filter((file) => file.role === completion.flow),
        ),
    }),
    attempts: t.exposeInt('attempts'),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    error: t.exposeString('error', { nullable: true }),
  }),
});
