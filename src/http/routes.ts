import type http from 'node:http';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import type { HttpSettings } from '../config.ts';
import type { GraphQLContext, ServerContext } from '../context.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { handleRest, isRestPath } from '../rest/routes.ts';
import type { Services } from '../services.ts';
import type { Storage } from '../storage/s3.ts';
import { inSpan, tracingOn } from '../tracing/tracing.ts';
import { isDemoPath, serveDemo } from './demo.ts';
import { GRAPHIQL_ASSET_PATH, serveGraphiQLAsset } from './graphiql.ts';
import { metricsAllowed, serveMetrics } from './metrics.ts';
import { readiness } from './readiness.ts';
import { authenticateEarly, type ConnectionCaps, isLargeBody, LARGE_BODY_BYTES, refuse, type UploadSlots } from './request-guards.ts';
import { normaliseRequestTarget } from './request-target.ts';

export interface RouteOptions {
  yoga: YogaServerInstance<ServerContext, GraphQLContext>;
  deps: { services: Services; db: Database; storage: Storage; logger: Logger };
  /** What GET /metrics serves (yoga's Prometheus plugin collects into it but serves nothing). */
  registry: Registry;
  httpSettings: HttpSettings;
  caps: ConnectionCaps;
  uploads: UploadSlots;
  maxConcurrentUploads: number;
  /** The body limit of both doors. */
  maxRequestBytes: number;
}

/**
 * Every HTTP request, in the order of its guards: cheap refusals (connection caps, a bad key,
 * no upload slot) come before yoga reads a byte of the body. Routes are chosen by the normalised
 * path, and yoga gets that same target, so no route's check can be walked around by spelling its
 * path another way.
 */
export function routeRequests(options: RouteOptions): http.RequestListener {
  const route = routeOne(options);
  return (req, res) => {
    const normalised = normaliseRequestTarget(req.url);
    // An SSE subscription's request lasts as long as its stream: no span stays open for minutes.
    if (!tracingOn() || req.headers.accept?.includes('text/event-stream')) return route(req, res, normalised);
    void inSpan(
      `${req.method} ${normalised?.path ?? ''}`.trim(),
      {
        kind: 'server',
        parent: headerValue(req.headers.traceparent),
        attributes: { 'http.request.method': req.method, 'url.path': normalised?.path, 'client.address': req.socket.remoteAddress },
      },
      (span) =>
        new Promise<void>((resolve) => {
          res.once('close', () => {
            span.setAttributes({ 'http.response.status_code': res.statusCode });
            resolve();
          });
          route(req, res, normalised);
        }),
    );
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function routeOne(options: RouteOptions) {
  const { deps, httpSettings, caps, registry } = options;
  return (req: http.IncomingMessage, res: http.ServerResponse, normalised: ReturnType<typeof normaliseRequestTarget>) => {
    const path = normalised?.path;
    logRequest(req, res, path ?? req.url?.split('?')[0], deps.logger);
    const refusal = caps.refusal(req.socket);
    if (refusal) return refuse(res, refusal.status, refusal.status === 429 ? 'TOO_MANY_CONNECTIONS' : 'SERVER_BUSY', refusal.message);
    if (!normalised) return refuse(res, 400, 'BAD_REQUEST', 'The request target must be a path starting with /.');
    req.url = normalised.target;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') return void readiness(deps, req.headers.authorization).then(({ status, body }) => sendJson(res, status, body));
    if (path?.startsWith(GRAPHIQL_ASSET_PATH) && req.method === 'GET') {
      return void serveGraphiQLAsset(path, res).then((served) => served || sendJson(res, 404, { error: 'not found' }));
    }
    if (isDemoPath(path) && req.method === 'GET') {
      return void serveDemo(path, res).then((served) => served || sendJson(res, 404, { error: 'not found' }));
    }
    if (path === '/metrics') {
      if (!metricsAllowed(httpSettings.metricsToken, req.headers.authorization)) {
        return refuse(res, 401, 'UNAUTHENTICATED', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>', {
          'www-authenticate': 'Bearer',
        });
      }
      return void serveMetrics(registry, res).catch((error: unknown) => {
        deps.logger.error({ err: error }, 'collecting metrics failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'collecting metrics failed' });
      });
    }
    if (isRestPath(path)) {
      const { services, logger } = deps;
      const { uploads, maxConcurrentUploads, maxRequestBytes } = options;
      const corsOrigins = httpSettings.corsOrigins;
      return void handleRest(req, res, path, { services, logger, uploads, maxConcurrentUploads, maxRequestBytes, corsOrigins });
    }
    void handleGraphQL(req, res, options);
  };
}

async function handleGraphQL(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  { yoga, deps, uploads, maxConcurrentUploads }: RouteOptions,
): Promise<void> {
  const { viewer, refusal } = await authenticateEarly(deps.services, req, deps.logger);
  if (refusal) return refuse(res, 401, 'UNAUTHENTICATED', refusal);
  // Nothing open to anonymous callers (models, a PUBLIC workflow, introspection) needs a large body.
  if (!viewer && isLargeBody(req)) {
    return refuse(
      res,
      413,
      'PAYLOAD_TOO_LARGE',
      `Requests without an API key are limited to ${LARGE_BODY_BYTES} bytes (with a known Content-Length).`,
    );
  }
  if (!uploads.admit(req, res)) {
    const message = `Too many large requests are being received (at most ${maxConcurrentUploads}); try again shortly.`;
    return refuse(res, 503, 'SERVER_BUSY', message, { 'retry-after': '5' });
  }
  // The viewer rides in the server context, so the GraphQL context does not look the key up again.
  await yoga.handle(req, res, viewer ? { viewer } : {});
}

/** One line per request when it ends; probes and scrapes at debug, so they do not drown the rest. */
function logRequest(req: http.IncomingMessage, res: http.ServerResponse, path: string | undefined, logger: Logger): void {
  const started = process.hrtime.bigint();
  res.once('close', () => {
    const quiet = path === '/healthz' || path === '/readyz' || path === '/metrics';
    logger[quiet ? 'debug' : 'info'](
      {
        method: req.method,
        path,
        status: res.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
        finished: res.writableFinished,
      },
      'request',
    );
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
