import type http from 'node:http';
import { isLargeBody, LARGE_BODY_BYTES, logBadKey, type UploadSlots } from '../http/request-guards.ts';
import type { Logger } from '../logger.ts';
import type { Viewer } from '../modules/auth/viewer.ts';
import { UnauthenticatedError } from '../modules/shared/errors.ts';
import type { Services } from '../services.ts';
import { applyCors } from './cors.ts';
import { isDocsPath, serveDocs } from './docs.ts';
import { PayloadTooLargeError, type RestError, toRestError } from './errors.ts';
import {
  createWorkflow,
  deleteWorkflow,
  getWorkflow,
  listWorkflows,
  logError,
  type RestAnswer,
  type RestCall,
  updateWorkflow,
} from './handlers.ts';
import { openApiJson } from './openapi.ts';

/** The REST door: the routes of the API as first specified, under /v1, onto the services GraphQL calls. */
export const REST_PREFIX = '/v1';

export interface RestDeps {
  services: Services;
  logger: Logger;
  maxRequestBytes: number;
  uploads: UploadSlots;
  maxConcurrentUploads: number;
  /** CORS_ORIGINS, as for GraphQL. */
  corsOrigins: readonly string[];
}

type Handler = (call: RestCall) => Promise<RestAnswer>;

const WORKFLOW_BY_ID = /^\/v1\/workflows\/([^/]+)$/;

const collectionRoutes: Record<string, Record<string, Handler>> = {
  '/v1/workflows': { POST: createWorkflow, GET: listWorkflows },
  '/v1/error-logs': { POST: logError },
};
const byIdRoutes: Record<string, Handler> = { GET: getWorkflow, PATCH: updateWorkflow, DELETE: deleteWorkflow };

export function isRestPath(path: string | undefined): path is string {
  return path === REST_PREFIX || path?.startsWith(`${REST_PREFIX}/`) === true;
}

/** The path's handler for the method, and the methods the path allows (none: no such route). */
function routeOf(method: string, path: string): { handler?: Handler; id?: string; allowed?: string } {
  const collection = collectionRoutes[path];
  if (collection) return { handler: collection[method], allowed: Object.keys(collection).join(', ') };
  const match = WORKFLOW_BY_ID.exec(path);
  if (!match) return {};
  return { handler: byIdRoutes[method], id: decodedSegment(match[1]!), allowed: Object.keys(byIdRoutes).join(', ') };
}

/** A malformed escape names no workflow: left as it is, for the service's own check of the id to refuse. */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

/** An error answer; an unread body is dropped with the connection rather than drained. */
function sendError(req: http.IncomingMessage, res: http.ServerResponse, { status, body, headers }: RestError): void {
  if (!req.complete) res.shouldKeepAlive = false;
  send(res, status, body, { ...headers, ...(req.complete ? {} : { connection: 'close' }) });
}

async function authenticate(deps: RestDeps, req: http.IncomingMessage): Promise<Viewer> {
  try {
    return await deps.services.customers.authenticate(req.headers.authorization);
  } catch (error) {
    if (error instanceof UnauthenticatedError) logBadKey(deps.logger, error.message, req.socket.remoteAddress);
    throw error;
  }
}

/** The GraphQL door's guards before a byte of the body is read: the key, then the size of an anonymous body, then an upload slot. */
async function admit(deps: RestDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<Viewer | RestError> {
  const viewer = await authenticate(deps, req);
  if (viewer.kind === 'anonymous' && isLargeBody(req)) {
    throw new PayloadTooLargeError(`Requests without an API key are limited to ${LARGE_BODY_BYTES} bytes (with a known Content-Length).`);
  }
  if (!deps.uploads.admit(req, res)) {
    const message = `Too many large requests are being received (at most ${deps.maxConcurrentUploads}); try again shortly.`;
    return { status: 503, body: { error: { code: 'service_unavailable', message } }, headers: { 'retry-after': '5' } };
  }
  return viewer;
}

/** Serves a request under /v1; every error of every route becomes its status in toRestError. */
export async function handleRest(req: http.IncomingMessage, res: http.ServerResponse, path: string, deps: RestDeps): Promise<void> {
  try {
    await serve(req, res, path, deps);
  } catch (error) {
    if (res.headersSent) res.destroy();
    else sendError(req, res, toRestError(error, deps.logger));
  }
}

async function serve(req: http.IncomingMessage, res: http.ServerResponse, path: string, deps: RestDeps): Promise<void> {
  const method = req.method ?? 'GET';
  if (applyCors(req, res, deps.corsOrigins)) return;
  if (method === 'GET' && path === `${REST_PREFIX}/openapi.json`) {
    return void res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(openApiJson());
  }
  if (method === 'GET' && isDocsPath(path) && (await serveDocs(path, res))) return;
  const { handler, id, allowed } = routeOf(method, path);
  if (!handler) {
    if (!allowed) return send(res, 404, { error: { code: 'not_found', message: `No route ${path}` } });
    return send(res, 405, { error: { code: 'bad_request', message: `${method} is not allowed on ${path}` } }, { allow: allowed });
  }
  const admitted = await admit(deps, req, res);
  if ('status' in admitted) return sendError(req, res, admitted);
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const answer = await handler({ req, viewer: admitted, services: deps.services, maxRequestBytes: deps.maxRequestBytes, id, query });
  send(res, answer.status, answer.body);
}
