import type http from 'node:http';
import { decodeCursor, encodeCursor } from '../graphql/cursor.ts';
import type { Viewer } from '../modules/auth/viewer.ts';
import { BadRequestError } from '../modules/shared/errors.ts';
import type { Services } from '../services.ts';
import { mediaType, readJson, readMultipart } from './body.ts';
import { createInputFromForm, createInputFromJson, parseBody, updateInputFrom } from './requests.ts';
import { errorLogSchema, listQuerySchema, updateSchema } from './schemas.ts';
import { toWorkflowJson } from './workflow-json.ts';

// One function per route: read the request, call the service the GraphQL resolver calls, shape
// the answer. Errors go up to the router, which maps them in one place.

export interface RestCall {
  req: http.IncomingMessage;
  viewer: Viewer;
  services: Services;
  /** The GraphQL door's body limit. */
  maxRequestBytes: number;
  /** The path's workflow id, for the routes under /v1/workflows/{id}. */
  id?: string;
  query: URLSearchParams;
}

export interface RestAnswer {
  status: number;
  body: unknown;
}

async function readWorkflow({ services, viewer }: RestCall, id: string): Promise<unknown> {
  const { workflow, children } = await services.workflows.read(viewer, id);
  return toWorkflowJson(services, viewer, workflow, children);
}

function idempotencyKey(req: http.IncomingMessage): string | undefined {
  const header = req.headers['idempotency-key'];
  return Array.isArray(header) ? header[0] : header;
}

export async function createWorkflow(call: RestCall): Promise<RestAnswer> {
  const { req, services, viewer, maxRequestBytes } = call;
  const type = mediaType(req);
  let input: ReturnType<typeof createInputFromJson>;
  if (type === 'multipart/form-data') input = createInputFromForm(await readMultipart(req, maxRequestBytes), idempotencyKey(req));
  else if (type === 'application/json') input = createInputFromJson(await readJson(req, maxRequestBytes), idempotencyKey(req));
  else throw new BadRequestError('Send the body as multipart/form-data (with an image part) or application/json (with an upload_id)');
  const created = await services.workflows.create(viewer, input);
  return { status: 201, body: { data: await readWorkflow(call, created.id) } };
}

export async function getWorkflow(call: RestCall): Promise<RestAnswer> {
  return { status: 200, body: { data: await readWorkflow(call, call.id!) } };
}

export async function updateWorkflow(call: RestCall): Promise<RestAnswer> {
  const fields = parseBody(updateSchema, await readJson(call.req, call.maxRequestBytes));
  await call.services.workflows.update(call.viewer, call.id!, updateInputFrom(fields));
  return { status: 200, body: { data: await readWorkflow(call, call.id!) } };
}

export async function deleteWorkflow({ services, viewer, id }: RestCall): Promise<RestAnswer> {
  const deleted = await services.workflows.delete(viewer, id!);
  const children = { workflowId: deleted.workflow.id, completions: deleted.completions, mediaFiles: deleted.mediaFiles };
  return { status: 200, body: { data: await toWorkflowJson(services, viewer, deleted.workflow, children) } };
}

export async function listWorkflows({ services, viewer, query }: RestCall): Promise<RestAnswer> {
  const { limit, cursor } = parseBody(listQuerySchema, Object.fromEntries(query));
  const page = await services.workflows.list(viewer, {
    first: limit === undefined ? undefined : Number(limit),
    after: cursor === undefined ? undefined : decodeCursor(cursor, 'cursor'),
  });
  const data = await Promise.all(
    page.workflows.map((workflow, index) => toWorkflowJson(services, viewer, workflow, page.children[index]!)),
  );
  const last = page.workflows.at(-1);
  return { status: 200, body: { data, next_cursor: page.hasNextPage && last ? encodeCursor(last) : null } };
}

export async function logError({ req, services, viewer, maxRequestBytes }: RestCall): Promise<RestAnswer> {
  const fields = parseBody(errorLogSchema, await readJson(req, maxRequestBytes));
  const logged = await services.errorLogs.log(viewer, {
    message: fields.message,
    level: fields.level ?? null,
    script: fields.script ?? null,
    stack: fields.stack ?? null,
    context: fields.context,
    occurredAt: fields.occurred_at ? new Date(fields.occurred_at) : null,
    customerId: fields.customer_id ?? null,
  });
  return { status: 201, body: { data: { message: logged.message, log_path: logged.logPath } } };
}
