import WebSocket from 'ws';

export interface RawResponse {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  text: string;
}

/**
 * A GraphQL POST written by hand: hostile requests are ones no typed client would build. It asks
 * for application/graphql-response+json, under which a refused request is a 4xx (under plain
 * application/json the GraphQL-over-HTTP spec keeps validation errors at 200).
 */
export async function postGraphQL(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  const text = await response.text();
  let body: RawResponse['body'] = {};
  try {
    body = JSON.parse(text) as RawResponse['body'];
  } catch {
    // Not JSON: the assertions on status and text say what went wrong.
  }
  return { status: response.status, headers: response.headers, body, text };
}

export interface ProtocolMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

/** A graphql-transport-ws socket driven message by message, to see exactly what the server does. */
export interface RawSocket {
  send(message: ProtocolMessage | string): void;
  /** The next message (in arrival order) that matches. */
  next(matches: (message: ProtocolMessage) => boolean): Promise<ProtocolMessage>;
  closed: Promise<{ code: number; reason: string }>;
  isOpen(): boolean;
  close(): void;
}

export async function openRawSocket(httpUrl: string, connectionParams: Record<string, unknown> = {}): Promise<RawSocket> {
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const received: ProtocolMessage[] = [];
  const waiters: Array<{ matches: (m: ProtocolMessage) => boolean; resolve: (m: ProtocolMessage) => void }> = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as ProtocolMessage;
    const waiter = waiters.find((w) => w.matches(message));
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    } else received.push(message);
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const raw: RawSocket = {
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: (matches) => {
      const index = received.findIndex(matches);
      if (index >= 0) return Promise.resolve(received.splice(index, 1)[0]!);
      return new Promise((resolve) => waiters.push({ matches, resolve }));
    },
    closed,
    isOpen: () => socket.readyState === WebSocket.OPEN,
    close: () => socket.close(),
  };
  raw.send({ type: 'connection_init', payload: connectionParams });
  await raw.next((m) => m.type === 'connection_ack');
  return raw;
}

/** Subscribes with a query and waits for its first answer (next or error). */
export async function firstAnswer(
  socket: RawSocket,
  id: string,
  payload: { query: string; variables?: Record<string, unknown> },
): Promise<ProtocolMessage> {
  socket.send({ type: 'subscribe', id, payload });
  return socket.next((m) => m.id === id && (m.type === 'next' || m.type === 'error'));
}

/** Reads an SSE response until its first `next` event or its end; returns the status and the text read. */
export async function readSseToFirstEvent(
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(20_000),
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    // A live subscription keeps streaming: its first event is the answer that matters.
    if (/event: next\ndata: .*\n/.test(text)) break;
  }
  await reader.cancel();
  return { status: response.status, text };
}

/** Reads an SSE response until the first `next` event; returns its data. */
export async function firstSseEvent(
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; data: unknown }> {
  const { status, text } = await readSseToFirstEvent(url, payload, headers);
  const match = /event: next\ndata: (.*)\n/.exec(text);
  return { status, data: match ? JSON.parse(match[1]!) : text };
}
