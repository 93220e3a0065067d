import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createGraphQLError, createYoga, maskError as defaultMaskError } from 'graphql-yoga';
import { Registry } from 'prom-client';
import { type WebSocket, WebSocketServer } from 'ws';
import { createContext, type GraphQLContext } from './context.ts';
import { sql } from 'kysely';
import type { Database } from './db/database.ts';
import { createWorkflowPubSub } from './events/pubsub.ts';
import { WorkflowProgressFeed } from './events/workflow-progress.ts';
import { schema } from './graphql/schema.ts';
import { type Logger, toYogaLogger } from './logger.ts';
import { AppError, ForbiddenError, RateLimitedError, UnauthenticatedError, ValidationError } from './modules/shared/errors.ts';
import type { Services } from './services.ts';
import type { Storage } from './storage/s3.ts';

export interface AppDeps {
  services: Services;
  db: Database;
  storage: Storage;
  logger: Logger;
  limits: {
    maxRequestBytes: number;
    maxSubscriptionsPerConnection: number;
    maxSubscriptionsPerKey: number;
    subscriptionIdleSeconds: number;
    subscriptionKeepAliveSeconds: number;
  };
  /** For the LISTEN connection that feeds subscriptions (workflow events from every process). */
  databaseUrl: string;
  /** How long in-flight requests may take to finish on stop. */
  shutdownGraceMs: number;
}

export interface App {
  server: http.Server;
  /** Listens; resolves with the bound port (pass 0 for any free one). */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes every socket. */
  stop(): Promise<void>;
}

/** Builds the HTTP app without listening, so tests and the CLI start it the same way. */
export function buildApp(deps: AppDeps): App {
  const { services, logger } = deps;
  const registry = new Registry();
  const events = createWorkflowPubSub({ databaseUrl: deps.databaseUrl, logger });
  const feed = new WorkflowProgressFeed({ pubsub: events.pubsub, workflows: services.workflows, limits: deps.limits, logger, registry });

  const yoga = createYoga<{ req?: http.IncomingMessage; socket?: WebSocket; connectionParams?: Record<string, unknown> }, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    // Yoga answers 413 past this, counting streamed (chunked) bodies too.
    maxRequestBodySize: deps.limits.maxRequestBytes,
    landingPage: false,
    graphiql: { title: 'Framewright', subscriptionsProtocol: 'WS' },
    logging: toYogaLogger(logger),
    context: ({ request, connectionParams, req, socket, params }) =>
      createContext(
        services,
        request?.headers.get('authorization') ??
          authorizationIn(connectionParams) ??
          // GraphiQL sends its header editor's values with each WebSocket operation, in extensions.
          (socket ? authorizationIn(params?.extensions) : undefined) ??
          req?.headers.authorization,
        // Over graphql-ws the socket is the connection; over SSE each subscription is its own request.
        { feed, connection: socket ?? req ?? request, remoteAddress: req?.socket.remoteAddress },
      ),
    maskedErrors: { maskError: (error, message, isDev) => toClientError(error, message, isDev, logger) },
    plugins: [usePrometheus({ endpoint: '/metrics', registry })],
  });

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    logRequest(req, res, path, logger);
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') return void readiness(deps).then(({ status, body }) => sendJson(res, status, body));
    return void yoga.handle(req, res);
  });
  // Slowloris guard: headers must arrive within 20 s, a whole request (a 25 MB upload) within 5 min.
  server.headersTimeout = 20_000;
  server.requestTimeout = 300_000;

  const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  // A socket that has had no subscription for this long holds a connection for nothing: closed.
  const idleMs = deps.limits.subscriptionIdleSeconds * 1000;
  const sockets = new Map<WebSocket, { idleSince: number; operations: () => number }>();
  const idleSweep = setInterval(
    () => {
      const now = Date.now();
      for (const [socket, state] of sockets) {
        if (state.operations() > 0) state.idleSince = now;
        else if (now - state.idleSince >= idleMs) socket.close(1000, `idle: no subscription for ${deps.limits.subscriptionIdleSeconds} s`);
      }
    },
    Math.min(30_000, Math.max(200, idleMs / 5)),
  );
  idleSweep.unref();
  useServer(
    {
      execute: (args: unknown) => (args as { rootValue: { execute: (a: unknown) => unknown } }).rootValue.execute(args) as never,
      subscribe: (args: unknown) => (args as { rootValue: { subscribe: (a: unknown) => unknown } }).rootValue.subscribe(args) as never,
      onConnect: (ctx) => {
        sockets.set(ctx.extra.socket, { idleSince: Date.now(), operations: () => Object.keys(ctx.subscriptions).length });
      },
      onClose: (ctx) => {
        sockets.delete(ctx.extra.socket);
      },
      onSubscribe: async (ctx, _id, params) => {
        const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const args = {
          schema: envelopedSchema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: undefined as unknown,
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        try {
          args.contextValue = await contextFactory();
        } catch (error) {
          // A bad key: an UNAUTHENTICATED error for this operation, as over HTTP, not a dropped socket.
          return [toClientError(error, 'Unexpected error.', false, logger) as GraphQLError];
        }
        return args;
      },
    },
    wsServer,
    deps.limits.subscriptionKeepAliveSeconds * 1000,
  );

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    stop: async () => {
      clearInterval(idleSweep);
      // Open SSE streams would hold server.close() for the whole grace period; their clients resubscribe.
      feed.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const socket of wsServer.clients) socket.close(1001, 'server shutting down');
      const timer = setTimeout(() => {
        logger.warn('grace period over: closing the connections still open');
        server.closeAllConnections();
        for (const socket of wsServer.clients) socket.terminate();
      }, deps.shutdownGraceMs);
      await closed;
      clearTimeout(timer);
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      await events.stop();
    },
  };
}

/**
 * The one place where domain errors become GraphQL errors (those a field's union does not already
 * return as data). Anything unexpected is logged here and masked.
 */
function toClientError(error: unknown, message: string, isDev: boolean | undefined, logger: Logger): Error {
  const original = isGraphQLError(error) ? (error.originalError ?? error) : error;
  const location = isGraphQLError(error) ? { nodes: error.nodes, path: error.path, source: error.source, positions: error.positions } : {};
  if (original instanceof UnauthenticatedError) {
    return createGraphQLError(original.message, { ...location, extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
  if (original instanceof ForbiddenError) {
    return createGraphQLError(original.message, { ...location, extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
  }
  if (original instanceof RateLimitedError) {
    return createGraphQLError(original.message, {
      ...location,
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds: original.retryAfterSeconds,
        http: { status: 429, headers: { 'retry-after': String(original.retryAfterSeconds) } },
      },
    });
  }
  if (original instanceof AppError) {
    const extensions: Record<string, unknown> = { code: original.code === 'VALIDATION_ERROR' ? 'BAD_USER_INPUT' : original.code };
    if (original instanceof ValidationError) extensions['fieldErrors'] = original.fieldErrors;
    return createGraphQLError(original.message, { ...location, extensions });
  }
  // A GraphQLError (a scalar's parse error, say) is meant for the client. Yoga's own check is
  // instanceof, which misses one made by the other copy of graphql (ESM here, CJS in yoga).
  if (isGraphQLError(original)) return isGraphQLError(error) ? error : original;
  logger.error({ err: original }, 'unexpected error (masked for the client)');
  // Never yoga's dev mode (on with NODE_ENV=development): it would send the original message and stack.
  return defaultMaskError(error, message, false);
}

/** By name, not instanceof: a bundler or test runner may load two copies of graphql (ESM and CJS). */
function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

async function readiness({ db, storage }: AppDeps): Promise<{ status: number; body: unknown }> {
  const check = async (probe: () => Promise<unknown>) => {
    try {
      await withTimeout(probe(), 3000);
      return 'ok';
    } catch (error) {
      return `failing: ${error instanceof Error ? error.message : String(error)}`;
    }
  };
  const [database, bucket] = await Promise.all([check(() => sql`SELECT 1`.execute(db)), check(() => storage.ping())]);
  const ready = database === 'ok' && bucket === 'ok';
  return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', database, bucket } };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
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

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `authorization` of connectionParams or extensions, at the top or under `headers`, in either case. */
function authorizationIn(record: Record<string, unknown> | undefined): string | undefined {
  if (!record) return undefined;
  const headers = typeof record['headers'] === 'object' && record['headers'] !== null ? (record['headers'] as Record<string, unknown>) : {};
  return stringOrUndefined(record['authorization'] ?? record['Authorization'] ?? headers['authorization'] ?? headers['Authorization']);
}
