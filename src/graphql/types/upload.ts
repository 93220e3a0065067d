import { ValidationError } from '../../modules/shared/errors.ts';
import type { Upload } from '../../modules/uploads/uploads.service.ts';
import { builder } from '../builder.ts';

const UploadType = builder.objectRef<Upload>('Upload').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url', { description: "A presigned PUT URL for the file's bytes." }),
    headers: t.field({ type: 'JSON', description: 'Headers the PUT must send.', resolve: (upload) => upload.headers }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const CreateUploadInput = builder.inputType('CreateUploadInput', {
  fields: (t) => ({
    filename: t.string({ required: true }),
    contentType: t.string({ required: true }),
    size: t.int({ required: true }),
  }),
});

builder.mutationField('createUpload', (t) =>
  t.field({
    type: UploadType,
    args: { input: t.arg({ type: CreateUploadInput, required: true }) },
    errors: { types: [ValidationError], union: { name: 'CreateUploadResult' } },
    resolve: (_root, { input }, ctx) => ctx.services.uploads.create(ctx.viewer, input),
  }),
);
