import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.ts';
import type { Viewer } from '../modules/auth/viewer.ts';
import { UnauthenticatedError } from '../modules/shared/errors.ts';
import type { Services } from '../services.ts';

/** Bodies larger than this (or of unknown length) hold an upload slot while they are read. */
export const LARGE_BODY_BYTES = 1024 * 1024;

/**
 * Answers with a GraphQL error body and closes the connection, so an unread request body is
 * dropped with the socket instead of being drained or buffered.
 */
export function refuse(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.shouldKeepAlive = false;
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close', ...headers })
    .end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/**
 * Counts open TCP connections, in total and per remote address. A connection over a cap is
 * marked when it opens; its first request (or WebSocket upgrade) is answered with an error
 * and the connection closed, rather than dropped without a word.
 */
export class ConnectionCaps {
  private readonly byAddress = new Map<string, number>();
  private readonly over = new WeakMap<Socket, { status: number; message: string }>();
  private open = 0;

  private readonly caps: { maxConnections: number; maxConnectionsPerAddress: number };
  constructor(caps: { maxConnections: number; maxConnectionsPerAddress: number }) {
    this.caps = caps;
  }

  attach(server: http.Server): void {
    server.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress ?? 'unknown';
      const fromAddress = (this.byAddress.get(address) ?? 0) + 1;
      this.byAddress.set(address, fromAddress);
      this.open += 1;
      if (this.open > this.caps.maxConnections) {
        this.refuseLater(socket, 503, `The server has too many open connections (at most ${this.caps.maxConnections}); try again later.`);
      } else if (fromAddress > this.caps.maxConnectionsPerAddress) {
        this.refuseLater(socket, 429, `Too many open connections from your address (at most ${this.caps.maxConnectionsPerAddress}).`);
      }
      socket.once('close', () => {
        this.open -= 1;
        const left = (this.byAddress.get(address) ?? 1) - 1;
        if (left > 0) this.byAddress.set(address, left);
        else this.byAddress.delete(address);
      });
    });
  }

  private refuseLater(socket: Socket, status: number, message: string): void {
    this.over.set(socket, { status, message });
    // One that never sends a request would keep counting against the caps: it gets a few seconds.
    socket.setTimeout(5000, () => socket.destroy());
  }

  /** Why this connection may not be served, if it is over a cap. */
  refusal(socket: Socket): { status: number; message: string } | undefined {
    return this.over.get(socket);
  }
}

/**
 * Large bodies held in memory at once: a multipart upload is buffered whole (up to the request
 * limit) before it is parsed, so their number bounds the memory uploads may take.
 */
export class UploadSlots {
  private inUse = 0;

  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }

  /** Takes a slot for a large body until the response ends; false when none is free. */
  admit(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (!isLargeBody(req)) return true;
    if (this.inUse >= this.max) return false;
    this.inUse += 1;
    res.once('close', () => {
      this.inUse -= 1;
    });
    return true;
  }
}

export function isLargeBody(req: http.IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const length = req.headers['content-length'];
  return length === undefined || Number(length) > LARGE_BODY_BYTES;
}

/**
 * Resolves the Authorization header before the body is read, so a request with a bad key costs
 * one lookup, not a parsed body. No header: undefined (anonymous, decided in the context).
 */
export async function authenticateEarly(
  services: Services,
  req: http.IncomingMessage,
  logger: Logger,
): Promise<{ viewer?: Viewer; refusal?: string }> {
  const authorization = req.headers.authorization;
  if (authorization === undefined || authorization.trim() === '') return {};
  try {
    return { viewer: await services.customers.authenticate(authorization) };
  } catch (error) {
    // Anything else (the database is down, say) is left to the GraphQL layer, which masks it.
    if (!(error instanceof UnauthenticatedError)) return {};
    logBadKey(logger, error.message, req.socket.remoteAddress);
    return { refusal: error.message };
  }
}

/** One line, no stack: a bad key is the caller's mistake (or a probe), not the server's. */
export function logBadKey(logger: Logger, reason: string, remoteAddress: string | undefined): void {
  logger.warn({ reason, remoteAddress }, 'request refused: bad API key');
}
