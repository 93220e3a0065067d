import 'zod-openapi';
import { z } from 'zod';

// The REST door's shapes, once: they parse the requests (types and formats only; ranges and the
// other rules are the services', as behind GraphQL) and they print the OpenAPI document.

const visibilityStatus = z.enum(['0', '1']).meta({ description: '"0" private, "1" public.' });
const pipelineMode = z.enum(['image', 'video']);
const processingStatus = z.enum(['queued', 'processing', 'success', 'failed', 'canceled']);
const flowName = z.enum(['crop_to_content', 'replace_alpha_with_gray', 'upscale', 'create_media', 'video_overlay']);

export const optionsSchema = z
  .object({
    aspect_ratio: z.string().optional().meta({ description: 'Width:height, one the model offers; default "16:9".', example: '16:9' }),
    pipeline_mode: pipelineMode.optional().meta({ description: 'Default "video".' }),
  })
  .strict()
  .meta({ id: 'WorkflowOptionsInput' });

const createFields = {
  title: z.string().meta({ description: '1 to 200 characters.', example: 'My Animated Video' }),
  description: z.string().nullish().meta({ description: 'Up to 2,000 characters.' }),
  visibility_status: visibilityStatus.optional().meta({ description: 'Default "0" (private).' }),
  model: z.string().meta({ description: 'A model id, as GraphQL `models` lists them.', example: 'vim_new_year_2026' }),
  options: optionsSchema.optional(),
  primary_user_id: z.string().meta({ description: "The owner's own reference for the end user, 1 to 320 characters." }),
  customer_id: z.uuid().optional().meta({ description: 'Only the admin key may name a customer; a customer key acts for its own.' }),
};

/** POST /v1/workflows as JSON: the source was uploaded first (GraphQL `createUpload`). */
export const createJsonSchema = z
  .object({ ...createFields, upload_id: z.string().meta({ description: 'The id of an upload made to a URL from createUpload.' }) })
  .strict()
  .meta({ id: 'CreateWorkflowJson' });

/** POST /v1/workflows as multipart: the same fields as parts, and the image as a file part. */
export const createMultipartSchema = z
  .object({
    ...createFields,
    image: z.file().meta({ description: 'The input image (PNG, WebP, JPEG, AVIF or TIFF).' }),
    options: z
      .union([z.string(), optionsSchema])
      .optional()
      .meta({ description: 'The options as one JSON part; or the parts `options[aspect_ratio]` and `options[pipeline_mode]`.' }),
  })
  .meta({ id: 'CreateWorkflowMultipart' });

export const updateSchema = z
  .object({
    title: createFields.title.optional(),
    description: createFields.description,
    visibility_status: visibilityStatus.optional(),
    primary_user_id: createFields.primary_user_id.optional(),
  })
  .strict()
  .meta({ id: 'UpdateWorkflow', description: 'One or more of the fields; none is a 400.' });

export const errorLogSchema = z
  .object({
    message: z.string().meta({ description: 'Not empty.' }),
    level: z.string().nullish().meta({ description: 'debug, info, warn, error or fatal; default error.' }),
    script: z.string().nullish(),
    stack: z.string().nullish(),
    occurred_at: z.iso.datetime({ offset: true }).nullish().meta({ description: 'When it happened (ISO 8601); default now.' }),
    context: z.unknown().optional().meta({ description: 'Any JSON value.' }),
    customer_id: z.uuid().nullish().meta({ description: 'The admin key only: whose log.' }),
  })
  .strict()
  .meta({ id: 'ErrorLogInput' });

export const listQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, 'must be an integer')
    .optional()
    .meta({ description: '1 to 100; default 20.', param: { schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } } }),
  cursor: z.string().optional().meta({ description: 'The `next_cursor` of the page before.' }),
});

export const workflowIdParams = z.object({ id: z.string().meta({ description: 'The workflow id (a UUID).', format: 'uuid' }) });

export const idempotencyHeader = z.object({
  'idempotency-key': z.string().optional().meta({
    description: 'The same key from the same customer returns the first workflow and charges nothing more (1 to 255 characters).',
  }),
});

const completionSchema = z
  .object({
    flow: flowName,
    result: z
      .array(z.string())
      .meta({ description: 'Download URLs of the files the flow wrote; empty for anyone but the owner and the admin.' }),
  })
  .strict()
  .meta({ id: 'Completion' });

const mediaResultSchema = z
  .object({
    updated_at: z
      .string()
      .regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$/)
      .meta({ example: '2025-04-11 18:42:51+00:00' }),
    size: z.int().meta({ description: 'Bytes.' }),
  })
  .strict()
  .meta({ id: 'MediaResult' });

const timestamp = z
  .string()
  .regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$/)
  .meta({ example: '2025-04-11 18:33:59.780864+00:00' });

export const workflowSchema = z
  .object({
    id: z.string().meta({ format: 'uuid' }),
    title: z.string(),
    description: z.string().nullable(),
    visibility_status: visibilityStatus,
    model: z.string(),
    options: z.object({ aspect_ratio: z.string(), pipeline_mode: pipelineMode }).strict(),
    primary_user_id: z.string().nullable().meta({ description: 'Null for any caller but the owner and the admin.' }),
    customer_id: z.string().nullable().meta({ description: 'Null for any caller but the owner and the admin.' }),
    processing_status: processingStatus,
    progress_percentage: z.int().min(0).max(100),
    completions: z.array(completionSchema).meta({ description: 'One per flow of the pipeline, in pipeline order.' }),
    result: z.array(z.string()).meta({ description: 'Download URLs of the final media (valid an hour), in the order of media_result.' }),
    media_result: z.array(mediaResultSchema).meta({ description: 'The final media: an MP4 for video, a PNG for image.' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .strict()
  .meta({ id: 'Workflow' });

export const workflowEnvelope = z.object({ data: workflowSchema }).strict();
export const workflowPageSchema = z
  .object({
    data: z.array(workflowSchema),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last.' }),
  })
  .strict();
export const errorLoggedSchema = z
  .object({
    data: z
      .object({
        message: z.literal('Error logged successfully'),
        log_path: z.string().meta({ example: 'customer-error-logs/2b6f…/errors-2025-W15.log' }),
      })
      .strict(),
  })
  .strict();

export const errorSchema = z
  .object({
    error: z
      .object({
        code: z.enum([
          'bad_request',
          'unauthenticated',
          'forbidden',
          'insufficient_credit',
          'not_found',
          'payload_too_large',
          'validation_error',
          'rate_limited',
          'internal',
          'service_unavailable',
        ]),
        message: z.string(),
        details: z
          .array(z.object({ field: z.string(), message: z.string() }).strict())
          .optional()
          .meta({ description: 'Where fields are at fault; for insufficient_credit, `required` and `available`.' }),
      })
      .strict(),
  })
  .strict()
  .meta({ id: 'Error' });

export type WorkflowJson = z.infer<typeof workflowSchema>;
export type ErrorBody = z.infer<typeof errorSchema>;
