import type http from 'node:http';
import type { Socket } from 'node:net';
import type { DocumentNode, ExecutionArgs, ExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import type { Context, SubscribePayload } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import type { GraphQLContext, ServerContext } from '../context.ts';
import { writeResultsDirectly } from '../graphql/shared-subscription-results.ts';
import type { Logger } from '../logger.ts';
import { UnauthenticatedError } from '../modules/shared/errors.ts';
import { toClientError } from './client-errors.ts';
import type { ConnectionCaps } from './request-guards.ts';
import { logBadKey } from './request-guards.ts';
import { persistedOperationId, persistedQueryNotFound, persistedQueryOnly, type TrustedDocumentsOptions } from './trusted-documents.ts';

export interface GraphQLWsOptions {
  server: http.Server;
  yoga: YogaServerInstance<ServerContext, GraphQLContext>;
  caps: ConnectionCaps;
  limits: { maxWebSocketMessageBytes: number; subscriptionIdleSeconds: number; subscriptionKeepAliveSeconds: number };
  logger: Logger;
  trusted: TrustedDocumentsOptions;
}

/**
 * graphql-ws on the GraphQL endpoint, through yoga's envelop (the same parse, validate, limits
 * and context as HTTP). A bad operation is an error for that operation alone: the socket and
 * its other subscriptions go on.
 */
export function attachGraphQLWs({ server, yoga, caps, limits, logger, trusted }: GraphQLWsOptions) {
  const clientError = (error: unknown): GraphQLError => toClientError(error, logger);
  const wsServer = webSocketServer(server, yoga.graphqlEndpoint, caps, limits.maxWebSocketMessageBytes);
  const idleSweep = sweepIdleSockets(limits.subscriptionIdleSeconds);
  const batchedWrites = writesBatchedPerTurn();
  const frames = nextFramesOfSharedResults();
  const direct = directWrites(frames);
  // Before graphql-ws's own listener: its messages go through the socket's send from the start.
  wsServer.on('connection', (socket: WebSocket) => frames.attach(socket));
  useServer(
    {
      execute: (args: unknown) => (args as { rootValue: { execute: (a: unknown) => unknown } }).rootValue.execute(args) as never,
      subscribe: (args: unknown) => (args as { rootValue: { subscribe: (a: unknown) => unknown } }).rootValue.subscribe(args) as never,
      onConnect: (ctx) => idleSweep.track(ctx.extra.socket, () => Object.keys(ctx.subscriptions).length),
      onClose: (ctx) => idleSweep.forget(ctx.extra.socket),
      // Called just before each event's message would be sent: the frame goes out from here (see nextFramesOfSharedResults).
      onNext: (ctx, id, _payload, _args, result) => {
        batchedWrites.hold(ctx.extra.request.socket);
        return frames.send(ctx.extra.socket, id, result as ExecutionResult);
      },
      // The operation graphql-ws now iterates for this id: results written directly must be for it, not for an earlier one of the same id.
      onOperation: (_ctx, _id, _payload, args, result) => direct.iterated(args.contextValue as object, result),
      onSubscribe: async (ctx, id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const args = {
          schema,
          operationName: params.operationName,
          document: undefined as unknown as ExecutionArgs['document'],
          variableValues: params.variables,
          contextValue: undefined as unknown,
          rootValue: { execute, subscribe },
        };
        const document = await documentOf(trusted, params, ctx, { schema, parse, validate, clientError });
        if (Array.isArray(document)) return document;
        args.document = document;
        try {
          args.contextValue = await contextFactory();
        } catch (error) {
          // A bad key: an UNAUTHENTICATED error for this operation, as over HTTP, not a dropped socket.
          if (error instanceof UnauthenticatedError) logBadKey(logger, error.message, ctx.extra.request.socket.remoteAddress);
          return [clientError(error)];
        }
        direct.allow(ctx, id, args.contextValue as object);
        return args;
      },
    },
    wsServer,
    limits.subscriptionKeepAliveSeconds * 1000,
  );
  return { wsServer, stopSweeping: () => idleSweep.stop() };
}

function webSocketServer(server: http.Server, path: string, caps: ConnectionCaps, maxWebSocketMessageBytes: number): WebSocketServer {
  return new WebSocketServer({
    server,
    path,
    // A bigger message closes the socket with 1009 before it is buffered further (ws's default is 100 MiB).
    maxPayload: maxWebSocketMessageBytes,
    // ws's default, said here because the frames written directly (textFrames) are plain, uncompressed ones.
    perMessageDeflate: false,
    verifyClient: ({ req }, accept) => {
      const refusal = caps.refusal(req.socket);
      if (refusal) accept(false, refusal.status, refusal.message);
      else accept(true);
    },
  });
}

/** The operation's document: a trusted one by hash (validated when loaded), or the one it sends, parsed and validated. */
async function documentOf(
  trusted: TrustedDocumentsOptions,
  params: SubscribePayload,
  ctx: Context<Record<string, unknown> | undefined, Extra>,
  envelop: {
    schema: GraphQLSchema;
    parse: (source: string) => DocumentNode;
    validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
    clientError: (error: unknown) => GraphQLError;
  },
): Promise<DocumentNode | GraphQLError[]> {
  const operation = await trustedOperation(trusted, params, ctx);
  if (operation instanceof Error) return [operation];
  if (operation) return operation;
  let document: DocumentNode;
  try {
    // A syntax error or an oversized operation throws here; uncaught, graphql-ws would close the socket (4500).
    document = envelop.parse(params.query);
  } catch (error) {
    return [envelop.clientError(error)];
  }
  const errors = envelop.validate(envelop.schema, document);
  return errors.length ? errors.map((error) => envelop.clientError(error)) : document;
}

/**
 * The document an operation names by hash (graphql-ws asks for a `query` string: an empty one
 * with `documentId` or Apollo's extension), its refusal, or undefined when it sends a document
 * this caller may send.
 */
async function trustedOperation(
  { documents, mode, mayRunDocuments }: TrustedDocumentsOptions,
  params: SubscribePayload,
  ctx: Context<Record<string, unknown> | undefined, Extra>,
): Promise<DocumentNode | GraphQLError | undefined> {
  const id = params.query === '' ? persistedOperationId(params as SubscribePayload & { documentId?: unknown }) : null;
  if (id !== null) return documents.lookup(id) ?? persistedQueryNotFound();
  // An empty query without a hash is no operation at all: the parser says so, in either mode.
  if (mode === 'allow' || params.query === '') return undefined;
  const authorization = authorizationIn(ctx.connectionParams) ?? authorizationIn(params.extensions ?? undefined);
  const allowed = await mayRunDocuments({ req: ctx.extra.request, authorization });
  return allowed ? undefined : persistedQueryOnly();
}

/**
 * The events a change hands to a socket's subscriptions leave in one write at the end of the event
 * loop's turn, not one system call each: the TCP socket under the WebSocket (the upgrade request's
 * own) is corked at its first message of the turn and uncorked once the turn's callbacks have run.
 */
function writesBatchedPerTurn() {
  const held = new Set<Socket>();
  const release = () => {
    for (const socket of held) socket.uncork();
    held.clear();
  };
  return {
    hold: (socket: Socket) => {
      if (held.has(socket) || socket.destroyed) return;
      if (held.size === 0) setImmediate(release);
      held.add(socket);
      socket.cork();
    },
  };
}

/**
 * The subscriptions whose results may be written directly (writeResultsDirectly), by context: each
 * to its own socket under its own id, and only while graphql-ws iterates the very operation it
 * started for it (not before, and not after a complete, when the id may already name another).
 */
function directWrites(frames: ReturnType<typeof nextFramesOfSharedResults>) {
  const operations = new WeakMap<object, { operation: unknown }>();
  return {
    allow(ctx: Context<Record<string, unknown> | undefined, Extra>, id: string, contextValue: object): void {
      const subscription: { operation: unknown } = { operation: undefined };
      operations.set(contextValue, subscription);
      writeResultsDirectly(contextValue, (result) => {
        if (subscription.operation === undefined || ctx.subscriptions[id] !== subscription.operation) return false;
        return frames.write(ctx.extra.socket, ctx.extra.request.socket, id, result);
      });
    },
    /** graphql-ws's onOperation: what it is about to iterate for the subscription of this context. */
    iterated(contextValue: object, operation: unknown): undefined {
      const subscription = operations.get(contextValue);
      if (subscription) subscription.operation = operation;
      return undefined;
    },
  };
}

/**
 * A socket with this much not yet handed to the kernel is behind: its subscriptions' results are
 * pulled again, one at a time after each write, so that a slow reader skips to the newest state.
 */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * What onNext hands graphql-ws once the event's frame has gone out: an empty payload, which no
 * GraphQL result is (it has data or errors). graphql-ws then builds `{"id":…,"type":"next","payload":{}}`,
 * and the socket drops it. Frozen: nothing may ever put a field of a result into it.
 */
const FRAME_SENT = Object.freeze({});
const FRAME_SENT_ENDING = ',"type":"next","payload":{}}';

/**
 * A subscription event's `next` frame, built around its payload serialised once. Subscribers of one
 * shape get the same result object (useSharedSubscriptionResults), so its JSON is made once for all of
 * them and each frame is the subscription's id and that string: no `JSON.stringify` of the whole
 * message, nor graphql-ws's check of it, per subscriber. The cache is keyed by the result object, never
 * by what it holds, so a payload goes only to those its result was made for; a result that is no
 * longer held drops out of it.
 */
function nextFramesOfSharedResults() {
  const payloadOf = payloadsOfResults();
  const frameOf = (id: string, result: ExecutionResult) => `{"id":${JSON.stringify(id)},"type":"next","payload":${payloadOf(result)}}`;
  const queue = framesQueuedPerTurn();
  // Each socket's own send, which the frames built here go through (past the check below, whatever their payload).
  const originalSends = new WeakMap<WebSocket, WebSocket['send']>();
  return {
    /**
     * Every message graphql-ws sends on the socket first lets the frames written directly before it
     * go (a `complete` after the last `next`); graphql-ws's own message after a frame sent by onNext
     * is dropped; every other message goes as it was.
     */
    attach(socket: WebSocket): void {
      const send = socket.send.bind(socket) as (...args: unknown[]) => void;
      originalSends.set(socket, ((...args: unknown[]) => {
        queue.flush(socket);
        send(...args);
      }) as WebSocket['send']);
      socket.send = ((data: unknown, ...rest: unknown[]) => {
        queue.flush(socket);
        if (typeof data === 'string' && data.endsWith(FRAME_SENT_ENDING) && data.startsWith('{"id":')) {
          const callback = rest.find((arg) => typeof arg === 'function') as ((error?: Error) => void) | undefined;
          callback?.();
          return;
        }
        send(data, ...rest);
      }) as WebSocket['send'];
    },
    /**
     * Queues the event's frame for the end of the turn, when the socket's frames leave in one write
     * (without waiting for it to leave); false on a socket that is closing or behind.
     */
    write(socket: WebSocket, tcp: Socket, id: string, result: ExecutionResult): boolean {
      return originalSends.has(socket) && queue.add(socket, tcp, () => frameOf(id, result));
    },
    /**
     * Sends the event's frame on the socket; resolves once it is written (graphql-ws waits for that
     * before taking the subscription's next event, so a slow reader still skips to the newest state).
     * On a socket that is no longer open it sends nothing and lets graphql-ws do as it does.
     */
    send(socket: WebSocket, id: string, result: ExecutionResult): Promise<typeof FRAME_SENT> | undefined {
      const send = originalSends.get(socket);
      if (!send || socket.readyState !== socket.OPEN) return undefined;
      return new Promise((resolve, reject) => {
        send(frameOf(id, result), (error) => (error ? reject(error) : resolve(FRAME_SENT)));
      });
    },
  };
}

/** A result's payload as JSON, made once however many subscribers it goes to; dropped with the result. */
function payloadsOfResults(): (result: ExecutionResult) => string {
  const payloads = new WeakMap<ExecutionResult, string>();
  return (result) => {
    let json = payloads.get(result);
    if (json === undefined) {
      // As graphql-ws sends a result: its fields, with `errors` (each error's toJSON) last and only when there are any.
      const { errors, ...rest } = result;
      json = JSON.stringify(errors ? { ...rest, errors } : rest);
      payloads.set(result, json);
    }
    return json;
  };
}

/** Frames written directly in one turn, by socket: at the end of the turn each socket's leave in one buffer and one write. */
function framesQueuedPerTurn() {
  const queued = new Map<WebSocket, { tcp: Socket; frames: string[]; bytes: number }>();
  const flush = (socket: WebSocket) => {
    const entry = queued.get(socket);
    if (!entry) return;
    queued.delete(socket);
    // No data frame may follow a close frame: a socket that began closing drops what waited, as ws drops a send.
    if (socket.readyState !== socket.OPEN || entry.tcp.destroyed) return;
    entry.tcp.write(textFrames(entry.frames));
  };
  const flushAll = () => {
    for (const socket of [...queued.keys()]) flush(socket);
  };
  return {
    flush,
    /** Queues the frame `frame()` builds; false, building nothing, on a socket that is closing or behind. */
    add(socket: WebSocket, tcp: Socket, frame: () => string): boolean {
      if (socket.readyState !== socket.OPEN) return false;
      let entry = queued.get(socket);
      if (socket.bufferedAmount + (entry?.bytes ?? 0) > MAX_BUFFERED_BYTES) return false;
      if (!entry) {
        if (queued.size === 0) setImmediate(flushAll);
        entry = { tcp, frames: [], bytes: 0 };
        queued.set(socket, entry);
      }
      const text = frame();
      entry.frames.push(text);
      entry.bytes += text.length;
      return true;
    },
  };
}

/**
 * Text messages as WebSocket frames, one after the other in one buffer (RFC 6455 5.2: a server's
 * frames are not masked; with no extension negotiated, as this server negotiates none, the RSV bits
 * are 0). What ws's Sender would write for each, without a buffer and a write a message.
 */
export function textFrames(messages: readonly string[]): Buffer {
  const lengths = messages.map((message) => Buffer.byteLength(message));
  let total = 0;
  for (const length of lengths) total += length + (length < 126 ? 2 : length < 65536 ? 4 : 10);
  const buffer = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const [i, message] of messages.entries()) {
    const length = lengths[i]!;
    // FIN, opcode 1 (text).
    buffer[offset++] = 0x81;
    if (length < 126) {
      buffer[offset++] = length;
    } else if (length < 65536) {
      buffer[offset++] = 126;
      offset = buffer.writeUInt16BE(length, offset);
    } else {
      buffer[offset++] = 127;
      offset = buffer.writeBigUInt64BE(BigInt(length), offset);
    }
    offset += buffer.write(message, offset, 'utf8');
  }
  return buffer;
}

/** A socket that has had no subscription for this long holds a connection for nothing: closed. */
function sweepIdleSockets(idleSeconds: number) {
  const idleMs = idleSeconds * 1000;
  const sockets = new Map<WebSocket, { idleSince: number; operations: () => number }>();
  const timer = setInterval(
    () => {
      const now = Date.now();
      for (const [socket, state] of sockets) {
        if (state.operations() > 0) state.idleSince = now;
        else if (now - state.idleSince >= idleMs) socket.close(1000, `idle: no subscription for ${idleSeconds} s`);
      }
    },
    Math.min(30_000, Math.max(200, idleMs / 5)),
  );
  timer.unref();
  return {
    track: (socket: WebSocket, operations: () => number) => void sockets.set(socket, { idleSince: Date.now(), operations }),
    forget: (socket: WebSocket) => void sockets.delete(socket),
    stop: () => clearInterval(timer),
  };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `authorization` of connectionParams or extensions, at the top or under `headers`, in either case. */
export function authorizationIn(record: Record<string, unknown> | undefined): string | undefined {
  if (!record) return undefined;
  const headers = typeof record['headers'] === 'object' && record['headers'] !== null ? (record['headers'] as Record<string, unknown>) : {};
  return stringOrUndefined(record['authorization'] ?? record['Authorization'] ?? headers['authorization'] ?? headers['Authorization']);
}
