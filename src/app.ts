import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createYoga } from 'graphql-yoga';
import { Registry } from 'prom-client';
import type { WebSocketServer } from 'ws';
import { type limits as contractLimits, defaultHttpSettings, type HttpSettings } from './config.ts';
import { createContext, type GraphQLContext, type ServerContext } from './context.ts';
import type { Database } from './db/database.ts';
import { useCompiledQueries } from './graphql/compiled-execution.ts';
import { schema } from './graphql/schema.ts';
import { useSharedSubscriptionResults } from './graphql/shared-subscription-results.ts';
import { useRequestBodyLimit } from './http/body-limit.ts';
import { toClientError, toYogaLogger, useSafeValidationErrors } from './http/client-errors.ts';
import { EXAMPLE_DOCUMENT, EXAMPLE_VARIABLES, HEADERS_HINT, renderGraphiQL } from './http/graphiql.ts';
import { attachGraphQLWs, authorizationIn } from './http/graphql-ws.ts';
import { registerQueueGauges, useBoundedMetrics } from './http/metrics.ts';
import { useOperationLimits } from './http/operation-limits.ts';
import { useOperationTracing } from './http/operation-tracing.ts';
import { useRejectNulBytes } from './http/reject-nul-bytes.ts';
import { ConnectionCaps, UploadSlots } from './http/request-guards.ts';
import { routeRequests } from './http/routes.ts';
import { useSubscriptionRootRule } from './http/subscription-root-rule.ts';
import {
  adminOrLocalGraphiQL,
  SERVICE_MANIFEST,
  TrustedDocuments,
  type TrustedDocumentsOptions,
  useTrustedDocuments,
} from './http/trusted-documents.ts';
import type { Logger } from './logger.ts';
import { principalOf } from './modules/auth/viewer.ts';
import { followKeyRevocations } from './modules/customers/key-revocations.ts';
import type { Notifier } from './notifier/index.ts';
import { createPostgresNotifier } from './notifier/postgres-notifier.ts';
import { WorkflowProgressFeed } from './progress/feed.ts';
import { SubscriptionCounts } from './progress/subscription-counts.ts';
import { queueStats } from './queue/stats.ts';
import type { Services } from './services.ts';
import type { Storage } from './storage/s3.ts';

export interface AppDeps {
  services: Services;
  db: Database;
  storage: Storage;
  logger: Logger;
  limits: typeof contractLimits;
  /** METRICS_TOKEN and CORS_ORIGINS; the defaults when omitted (an open /metrics, any origin). */
  http?: HttpSettings;
  /** For the LISTEN connection that feeds subscriptions (workflow events from every process), when no notifier is given. */
  databaseUrl: string;
  /** The bus that feeds subscriptions (NOTIFIER); LISTEN on databaseUrl when omitted. */
  notifier?: Notifier;
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
  const httpSettings = deps.http ?? defaultHttpSettings;
  const registry = new Registry();
  const notifier = deps.notifier ?? createPostgresNotifier({ listenUrl: deps.databaseUrl, logger });
  const keyRevocations = followKeyRevocations({ notifier, customers: services.customers, logger });
  const sharedCounts = new SubscriptionCounts(deps.db, logger);
  const feed = new WorkflowProgressFeed({
    sharedCounts,
    notifier,
    workflows: services.workflows,
    keys: services.customers,
    limits: deps.limits,
    logger,
    registry,
  });
  registerQueueGauges(registry, () => queueStats(deps.db));
  const trusted = trustedDocumentsOf(services, httpSettings);
  const yoga = createGraphQLServer(deps, httpSettings, feed, registry, trusted);
  const caps = new ConnectionCaps(deps.limits);
  const uploads = new UploadSlots(deps.limits.maxConcurrentUploads);
  const server = http.createServer(
    routeRequests({
      yoga,
      deps,
      registry,
      httpSettings,
      caps,
      uploads,
      maxConcurrentUploads: deps.limits.maxConcurrentUploads,
      maxRequestBytes: deps.limits.maxRequestBytes,
    }),
  );
  caps.attach(server);
  // Slowloris guard: headers must arrive within 20 s, a whole request (a 25 MB upload) within 5 min.
  server.headersTimeout = 20_000;
  server.requestTimeout = 300_000;
  const { wsServer, stopSweeping } = attachGraphQLWs({ server, yoga, caps, limits: deps.limits, logger, trusted });

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
      stopSweeping();
      // Open SSE streams would hold server.close() for the whole grace period; their clients resubscribe.
      const feedStopped = feed.stop();
      await closeGracefully(server, wsServer, deps);
      await feedStopped;
      await keyRevocations.stop();
      await sharedCounts.stop();
    },
  };
}

const GRAPHQL_ENDPOINT = '/graphql';

/** The service's own manifest (codegen's) and the apps' (TRUSTED_DOCUMENTS_FILES). */
function trustedDocumentsOf(services: Services, httpSettings: HttpSettings): TrustedDocumentsOptions {
  return {
    documents: TrustedDocuments.load(schema, [SERVICE_MANIFEST, ...httpSettings.trustedDocumentFiles]),
    mode: httpSettings.trustedDocuments,
    mayRunDocuments: adminOrLocalGraphiQL(services, GRAPHQL_ENDPOINT),
  };
}

function createGraphQLServer(
  deps: AppDeps,
  httpSettings: HttpSettings,
  feed: WorkflowProgressFeed,
  registry: Registry,
  trusted: TrustedDocumentsOptions,
) {
  const { services, logger } = deps;
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    // An operation by hash: { "documentId": "sha256:<hex>" }.
    extraParamNames: ['documentId'],
    // useRequestBodyLimit answers 413 past maxRequestBytes instead, counting streamed (chunked) bodies too.
    maxRequestBodySize: false,
    landingPage: false,
    // Served from our own assets (offline, nothing external), opened on an example of each operation kind.
    graphiql: {
      title: 'Framewright',
      subscriptionsProtocol: 'WS',
      defaultTabs: [{ query: EXAMPLE_DOCUMENT, variables: EXAMPLE_VARIABLES, headers: HEADERS_HINT }],
      // What a tab opened later starts with.
      defaultHeaders: HEADERS_HINT,
    },
    renderGraphiQL,
    logging: toYogaLogger(logger),
    // API keys travel in a header, never in cookies: no origin gets credentials.
    cors: { origin: httpSettings.corsOrigins.includes('*') ? '*' : [...httpSettings.corsOrigins], credentials: false },
    context: ({ request, connectionParams, req, socket, params, viewer }) =>
      createContext(
        services,
        request?.headers.get('authorization') ??
          authorizationIn(connectionParams) ??
          // GraphiQL sends its header editor's values with each WebSocket operation, in extensions.
          (socket ? authorizationIn(params?.extensions) : undefined) ??
          req?.headers.authorization,
        // Over graphql-ws the socket is the connection; over SSE each subscription is its own request.
        { feed, connection: socket ?? req ?? request, remoteAddress: req?.socket.remoteAddress },
        viewer,
      ),
    maskedErrors: { maskError: (error, message) => toClientError(error, logger, message) },
    plugins: [
      // First: a hash becomes its (already validated) document before the limits and the cache look at it.
      useTrustedDocuments(trusted),
      useOperationLimits(deps.limits),
      useSubscriptionRootRule(),
      useSafeValidationErrors(),
      useRejectNulBytes(),
      // A browser sends a form or multipart post cross-site without asking; these headers it cannot add unasked.
      useCSRFPrevention({ requestHeaders: ['graphql-require-preflight', 'x-graphql-yoga-csrf'] }),
      useBoundedMetrics(registry),
      useRequestBodyLimit(deps.limits.maxRequestBytes),
      useCompiledQueries({ compileAtOnce: (document) => trusted.documents.has(document) }),
      useOperationTracing(),
      useSharedSubscriptionResults(principalInContext),
    ],
  });
}

/** A subscription event is executed once per shape: a result depends on the viewer only through its principal. */
function principalInContext(contextValue: unknown): string | undefined {
  const viewer = (contextValue as Partial<GraphQLContext> | undefined)?.viewer;
  return viewer ? principalOf(viewer) : undefined;
}

/** Stops accepting; in-flight requests get the grace period, then every connection is closed. */
async function closeGracefully(server: http.Server, wsServer: WebSocketServer, { shutdownGraceMs, logger }: AppDeps): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  for (const socket of wsServer.clients) socket.close(1001, 'server shutting down');
  const timer = setTimeout(() => {
    logger.warn('grace period over: closing the connections still open');
    server.closeAllConnections();
    for (const socket of wsServer.clients) socket.terminate();
  }, shutdownGraceMs);
  await closed;
  clearTimeout(timer);
  await new Promise<void>((resolve) => wsServer.close(() => resolve()));
}
