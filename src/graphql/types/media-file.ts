import type { MediaFile } from '../../modules/workflows/workflow.ts';
import { builder } from '../builder.ts';

export const MediaFileType = builder.objectRef<MediaFile>('MediaFile').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: "The object's key in the bucket." }),
    url: t.string({
      description: 'A download URL, signed at read time, valid for expiresIn seconds (default 3600).',
      args: { expiresIn: t.arg.int() },
      resolve: (file, { expiresIn }, ctx) => ctx.services.workflows.downloadUrl(file.key, expiresIn),
    }),
    contentType: t.exposeString('contentType'),
    size: t.exposeInt('size', { description: 'Bytes.' }),
    width: t.exposeInt('width', { nullable: true }),
    height: t.exposeInt('height', { nullable: true }),
    durationMs: t.exposeInt('durationMs', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});
