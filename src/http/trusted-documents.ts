import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { ServerContext } from '../context.ts';
import type { Viewer } from '../modules/auth/viewer.ts';
import type { Services } from '../services.ts';

/**
 * graphql as the schema's builder (Pothos) and yoga load it: its CommonJS build. A bundler that
 * prefers the package's ESM build (vitest does) would hand out a second graphql, whose validate
 * refuses a schema made by the first.
 */
const { parse, validate } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** What `npm run codegen` writes: the operations of the client, the CLI and the demo page. */
export const SERVICE_MANIFEST = new URL('../../packages/client/src/gql/persisted-documents.json', import.meta.url);

const HASH_PREFIX = 'sha256:';

/**
 * The operations the service runs by hash: each manifest's documents, parsed and validated once
 * against the schema when the service starts, so an operation sent by hash skips both.
 */
export class TrustedDocuments {
  readonly #byHash = new Map<string, DocumentNode>();
  readonly #trusted = new WeakSet<DocumentNode>();

  /** Reads the manifests (hash → document); a file that is missing, malformed or names a document that does not validate stops the start. */
  static load(schema: GraphQLSchema, files: ReadonlyArray<string | URL>): TrustedDocuments {
    const documents = new TrustedDocuments();
    for (const file of files) documents.#add(schema, file, readManifest(file));
    return documents;
  }

  #add(schema: GraphQLSchema, file: string | URL, manifest: Record<string, string>) {
    for (const [key, text] of Object.entries(manifest)) {
      const hash = hexOf(key);
      const actual = createHash('sha256').update(text).digest('hex');
      if (hash !== actual) throw new Error(`trusted documents ${String(file)}: ${key} is not the sha256 hash of its document`);
      const document = parse(text);
      const errors = validate(schema, document);
      if (errors.length) throw new Error(`trusted documents ${String(file)}: ${key} does not validate: ${errors[0]!.message}`);
      this.#byHash.set(hash, document);
      this.#trusted.add(document);
    }
  }

  /** The document behind `sha256:<hex>` (or the bare hex, as Apollo's clients send it). */
  lookup(id: string): DocumentNode | undefined {
    return this.#byHash.get(hexOf(id));
  }

  /** Whether a document is one of the manifests' (the very object lookup hands out). */
  has(document: DocumentNode): boolean {
    return this.#trusted.has(document);
  }

  get size(): number {
    return this.#byHash.size;
  }
}

function hexOf(id: string): string {
  return (id.startsWith(HASH_PREFIX) ? id.slice(HASH_PREFIX.length) : id).toLowerCase();
}

function readManifest(file: string | URL): Record<string, string> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`trusted documents ${String(file)}: cannot read it (${(error as Error).message})`);
  }
  const valid =
    typeof manifest === 'object' &&
    manifest !== null &&
    !Array.isArray(manifest) &&
    Object.values(manifest).every((v) => typeof v === 'string');
  if (!valid) throw new Error(`trusted documents ${String(file)}: expected a JSON object of hash → document`);
  return manifest as Record<string, string>;
}

/** The hash an operation names: `documentId`, or Apollo's `extensions.persistedQuery.sha256Hash`. */
export function persistedOperationId(params: { documentId?: unknown; extensions?: unknown }): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  const persistedQuery = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return typeof persistedQuery?.sha256Hash === 'string' ? persistedQuery.sha256Hash : null;
}

export function persistedQueryNotFound(): GraphQLError {
  return createGraphQLError('No trusted document has this hash: send the document itself where the service allows it.', {
    extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } },
  });
}

export function persistedQueryOnly(): GraphQLError {
  return createGraphQLError('This service runs trusted documents only: send the operation by its hash (documentId).', {
    extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
  });
}

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || /^(::ffff:)?127\./.test(address));
}

/**
 * GraphiQL on loopback: a page of this very service (its Origin, or its Referer for fetch) in a
 * browser on this machine. Anyone on the machine could claim as much; they are the operators. A
 * request a proxy forwarded (X-Forwarded-For, Forwarded) comes from elsewhere, whatever its socket.
 */
export function isLocalGraphiQL(req: http.IncomingMessage | undefined, endpoint: string): boolean {
  if (!req || !isLoopback(req.socket.remoteAddress) || !req.headers.host) return false;
  if (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined) return false;
  const self = `http://${req.headers.host}`;
  const referer = req.headers.referer;
  if (referer !== undefined) return referer.split(/[?#]/)[0] === `${self}${endpoint}`;
  // A WebSocket handshake carries no Referer; GraphiQL's socket comes from the page's origin.
  return req.headers.upgrade?.toLowerCase() === 'websocket' && req.headers.origin === self;
}

/** Whether a caller may send a document when only hashes are allowed: the admin key, GraphiQL on loopback. */
export type DocumentSenderCheck = (caller: {
  req: http.IncomingMessage | undefined;
  authorization: string | undefined;
  viewer?: Viewer;
}) => Promise<boolean>;

export function adminOrLocalGraphiQL(services: Services, endpoint: string): DocumentSenderCheck {
  return async ({ req, authorization, viewer }) => {
    if (isLocalGraphiQL(req, endpoint)) return true;
    // A key that is not valid sends nothing at all: PERSISTED_QUERY_ONLY says what would be accepted.
    const caller = viewer ?? (await services.customers.authenticate(authorization).catch(() => undefined));
    return caller?.kind === 'admin';
  };
}

export interface TrustedDocumentsOptions {
  documents: TrustedDocuments;
  mode: 'allow' | 'require';
  mayRunDocuments: DocumentSenderCheck;
}

/** Operations by hash over HTTP and SSE (graphql-ws asks TrustedDocuments itself). */
export function useTrustedDocuments({ documents, mode, mayRunDocuments }: TrustedDocumentsOptions): Plugin<ServerContext> {
  const persisted = usePersistedOperations<ServerContext>({
    extractPersistedOperationId: (params) => persistedOperationId(params as { documentId?: unknown; extensions?: unknown }),
    getPersistedOperation: (id) => documents.lookup(id) ?? null,
    allowArbitraryOperations: true,
    // Validated against the schema when loaded.
    skipDocumentValidation: true,
    customErrors: { notFound: () => persistedQueryNotFound(), keyNotFound: () => persistedQueryOnly() },
  });
  return {
    ...persisted,
    async onParams(payload) {
      const sendsDocument = typeof payload.params.query === 'string' && payload.params.query !== '';
      if (sendsDocument && mode === 'require') {
        const { req, viewer } = payload.context as ServerContext;
        const authorization = payload.request.headers.get('authorization') ?? undefined;
        if (!(await mayRunDocuments({ req, authorization, viewer }))) throw persistedQueryOnly();
      }
      if (!sendsDocument && persistedOperationId(payload.params as { documentId?: unknown }) === null) return;
      return persisted.onParams?.(payload);
    },
  };
}
