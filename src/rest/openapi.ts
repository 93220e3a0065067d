import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import {
  createJsonSchema,
  createMultipartSchema,
  errorLoggedSchema,
  errorLogSchema,
  errorSchema,
  idempotencyHeader,
  listQuerySchema,
  updateSchema,
  workflowEnvelope,
  workflowIdParams,
  workflowPageSchema,
} from './schemas.ts';

// The OpenAPI 3.1 document of the REST door, printed from the same zod schemas that parse its
// requests (scripts/print-openapi.ts keeps openapi.json in the repository current).

const ERRORS: Record<string, string> = {
  '400': 'The body is not JSON or not multipart as declared, an update with no field, or an empty error message.',
  '401': 'No API key, or a bad one.',
  '402': 'Not enough credits: `details` carries `required` and `available`.',
  '403': 'The key may not do this (an admin-only field with a customer key).',
  '404': "No such workflow, or another customer's.",
  '413': 'The body is over the limits of the GraphQL door.',
  '422': 'A field out of its range or format.',
  '429': 'Too many calls; try again after `Retry-After` seconds.',
  '500': 'Unexpected (masked).',
  '503': 'The database or the bucket is unreachable; try again after `Retry-After` seconds.',
};

function responses(success: string, description: string, schema: unknown, errors: string[]): ZodOpenApiResponsesObject {
  const json = (body: unknown) => ({ 'application/json': { schema: body } });
  const all: Record<string, unknown> = { [success]: { description, content: json(schema) } };
  for (const status of [...errors, '500', '503']) all[status] = { description: ERRORS[status]!, content: json(errorSchema) };
  return all as ZodOpenApiResponsesObject;
}

const bearer = [{ bearer: [] }];

const workflowById: Record<'get' | 'patch' | 'delete', ZodOpenApiOperationObject> = {
  get: {
    operationId: 'getWorkflow',
    summary: 'The Workflow object',
    description: "The caller's own workflow, or anyone's PUBLIC one (which shows null for primary_user_id and customer_id).",
    requestParams: { path: workflowIdParams },
    responses: responses('200', 'The workflow.', workflowEnvelope, ['401', '404']),
  },
  patch: {
    operationId: 'updateWorkflow',
    summary: 'Update one or more of title, description, visibility_status, primary_user_id',
    requestParams: { path: workflowIdParams },
    requestBody: { required: true, content: { 'application/json': { schema: updateSchema } } },
    responses: responses('200', 'The workflow as updated.', workflowEnvelope, ['400', '401', '404', '413', '422']),
  },
  delete: {
    operationId: 'deleteWorkflow',
    summary: 'Delete the workflow and its bucket objects',
    description: 'Stops its run first; an unfinished run is refunded.',
    requestParams: { path: workflowIdParams },
    responses: responses('200', 'The workflow as it was.', workflowEnvelope, ['401', '404']),
  },
};

const workflows: Record<'get' | 'post', ZodOpenApiOperationObject> = {
  post: {
    operationId: 'createWorkflow',
    summary: 'New Media: create a workflow',
    description: 'Multipart with an `image` part, or JSON with an `upload_id` from GraphQL `createUpload`.',
    requestParams: { header: idempotencyHeader },
    requestBody: {
      required: true,
      content: { 'multipart/form-data': { schema: createMultipartSchema }, 'application/json': { schema: createJsonSchema } },
    },
    responses: responses('201', 'The workflow, queued.', workflowEnvelope, ['400', '401', '402', '403', '404', '413', '422', '429']),
  },
  get: {
    operationId: 'listWorkflows',
    summary: "The caller's workflows, newest first",
    requestParams: { query: listQuerySchema },
    responses: responses('200', 'A page of workflows.', workflowPageSchema, ['401', '422']),
  },
};

const errorLogs: ZodOpenApiOperationObject = {
  operationId: 'logError',
  summary: 'Log a customer script error',
  description: "Appends one line to this ISO week's log file of the customer in the bucket.",
  requestBody: { required: true, content: { 'application/json': { schema: errorLogSchema } } },
  responses: responses('201', 'Logged.', errorLoggedSchema, ['400', '401', '403', '404', '413', '422', '429']),
};

export function buildOpenApiDocument() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Framewright REST API',
      version: '1.0.0',
      description:
        'The REST door to the same services as GraphQL (/graphql): same keys, credits, rules and webhooks. Send `Authorization: Bearer <key>`.',
    },
    servers: [{ url: '/' }],
    security: bearer,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key.' } } },
    paths: {
      '/v1/workflows': workflows,
      '/v1/workflows/{id}': workflowById,
      '/v1/error-logs': { post: errorLogs },
    },
  });
}

let printed: string | undefined;

/** The document as served and as printed into openapi.json. */
export function openApiJson(): string {
  printed ??= `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
  return printed;
}
