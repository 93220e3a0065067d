import { builder } from '../builder.ts';

export const ProcessingStatusEnum = builder.enumType('ProcessingStatus', {
  values: ['QUEUED', 'PROCESSING', 'SUCCESS', 'FAILED', 'CANCELED'] as const,
});

export const PipelineModeEnum = builder.enumType('PipelineMode', { values: ['IMAGE', 'VIDEO'] as const });

export const FlowEnum = builder.enumType('Flow', {
  description: 'The flows a pipeline runs, in this order. IMAGE runs the first four; VIDEO runs all five.',
  values: ['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA', 'VIDEO_OVERLAY'] as const,
});

export const FlowStatusEnum = builder.enumType('FlowStatus', {
  values: ['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'SKIPPED'] as const,
});

export const VisibilityStatusEnum = builder.enumType('VisibilityStatus', {
  description: 'PRIVATE is visibility_status "0" of the REST documents, PUBLIC is "1".',
  values: ['PRIVATE', 'PUBLIC'] as const,
});
