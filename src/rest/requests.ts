import type { z } from 'zod';
import { nulInVariables } from '../http/reject-nul-bytes.ts';
import { ValidationError } from '../modules/shared/errors.ts';
import type { CreateWorkflowInput } from '../modules/workflows/create-workflow.ts';
import type { UpdateWorkflowInput } from '../modules/workflows/update-workflow.ts';
import { createJsonSchema, createMultipartSchema, type optionsSchema, type updateSchema } from './schemas.ts';

// From the REST body's words to the services' inputs: parsing against the door's schemas, then
// renaming. No rule is decided here.

/** Parses with one of the door's schemas; each issue becomes a field error named as the body names it. */
export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  // PostgreSQL refuses 0x00 in text: refused here, as the GraphQL door does, naming where.
  const nul = nulInVariables(value, 'body');
  if (nul)
    throw ValidationError.field(
      nul.replace(/^body\.?/, '') || 'body',
      'contains a NUL character (\\u0000), which is not allowed in any text',
    );
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.flatMap((issue) => {
      const at = issue.path.map(String);
      if (issue.code === 'unrecognized_keys')
        return issue.keys.map((key) => ({ field: [...at, key].join('.'), message: 'is not a field of this request' }));
      return [{ field: at.join('.') || 'body', message: issue.message }];
    }),
  );
}

type Options = z.infer<typeof optionsSchema>;
type CreateFields = Omit<z.infer<typeof createJsonSchema>, 'upload_id'> & { options?: Options | string | undefined };

function toCreateInput(fields: CreateFields, idempotencyKey: string | undefined): CreateWorkflowInput {
  const options = fields.options as Options | undefined;
  return {
    title: fields.title,
    description: fields.description ?? null,
    visibilityStatus: fields.visibility_status === '1' ? 'PUBLIC' : fields.visibility_status === '0' ? 'PRIVATE' : null,
    model: fields.model,
    options: options && {
      aspectRatio: options.aspect_ratio ?? null,
      pipelineMode: options.pipeline_mode === 'image' ? 'IMAGE' : options.pipeline_mode === 'video' ? 'VIDEO' : null,
    },
    primaryUserId: fields.primary_user_id,
    customerId: fields.customer_id ?? null,
    idempotencyKey: idempotencyKey ?? null,
  };
}

export function createInputFromJson(body: unknown, idempotencyKey: string | undefined): CreateWorkflowInput {
  const fields = parseBody(createJsonSchema, body);
  return { ...toCreateInput(fields, idempotencyKey), uploadId: fields.upload_id };
}

const OPTION_PART = /^options\[(\w+)\]$/;

/** The parts as one object: `options` from its JSON part or from its bracketed parts. */
function formFields(form: FormData): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [name, value] of form.entries()) {
    const option = OPTION_PART.exec(name);
    if (option) options[option[1]!] = value;
    else fields[name] = value;
  }
  if (typeof fields['options'] === 'string') {
    try {
      fields['options'] = JSON.parse(fields['options']) as unknown;
    } catch {
      throw ValidationError.field('options', 'must be a JSON object, e.g. {"aspect_ratio": "16:9", "pipeline_mode": "video"}');
    }
  } else if (Object.keys(options).length > 0) {
    fields['options'] = options;
  }
  return fields;
}

export function createInputFromForm(form: FormData, idempotencyKey: string | undefined): CreateWorkflowInput {
  const fields = parseBody(createMultipartSchema, formFields(form));
  return { ...toCreateInput(fields, idempotencyKey), source: fields.image };
}

export function updateInputFrom(fields: z.infer<typeof updateSchema>): UpdateWorkflowInput {
  const input: UpdateWorkflowInput = {};
  if (fields.title !== undefined) input.title = fields.title;
  if (fields.description !== undefined) input.description = fields.description;
  if (fields.visibility_status !== undefined) input.visibilityStatus = fields.visibility_status === '1' ? 'PUBLIC' : 'PRIVATE';
  if (fields.primary_user_id !== undefined) input.primaryUserId = fields.primary_user_id;
  return input;
}
