import { print } from 'graphql';
import { createClient, type Sink } from 'graphql-ws';
import { FramewrightRequestError } from './errors.ts';
import { WorkflowProgress } from './operations.ts';
import { documentHash } from './transport.ts';
import type { ProgressEvent } from './types.ts';

export interface WatchOptions {
  /** Resume after this version (the last one you saw); the first event is always the current state. */
  sinceVersion?: number;
  /** Called when the socket is back after a drop, with the version the subscription resumes from. */
  onReconnect?: (sinceVersion: number | undefined) => void;
  /** Reconnection attempts in a row before watch gives up (default 10, about two minutes). */
  retryAttempts?: number;
  /** Send the subscription by its hash first (the client's default). */
  byHash?: boolean;
}

type Outcome = { event: ProgressEvent } | { error: Error } | { end: true };

/** The GraphQL endpoint's WebSocket address: same host and path, ws or wss. */
export function webSocketUrl(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** Waits 1, 2, 4, 8 then 10 s between attempts, with a little jitter so clients do not come back in step. */
async function backoff(retries: number): Promise<void> {
  const ms = Math.min(10_000, 1000 * 2 ** retries) + Math.floor(Math.random() * 500);
  await new Promise((resolve) => setTimeout(resolve, ms));
}

function toError(reason: unknown): Error {
  if (Array.isArray(reason)) {
    const first = reason[0] as { message?: string; extensions?: { code?: string } } | undefined;
    return new FramewrightRequestError(first?.message ?? 'subscription failed', first?.extensions?.code ?? 'GRAPHQL_ERROR');
  }
  if (reason instanceof Error) return new FramewrightRequestError(reason.message, 'NETWORK_ERROR');
  const close = reason as { code?: number; reason?: string; message?: string };
  if (typeof close.code === 'number') {
    return new FramewrightRequestError(`the connection closed (${close.code}${close.reason ? `: ${close.reason}` : ''})`, 'NETWORK_ERROR');
  }
  return new FramewrightRequestError(close.message ?? 'the connection failed', 'NETWORK_ERROR');
}

/**
 * `ws` in Node (Node 20 has no WebSocket of its own), the browser's own WebSocket elsewhere: `ws`
 * is imported only in Node, so a browser never loads it.
 */
async function webSocketImplementation(): Promise<unknown> {
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  return isNode ? (await import('ws')).default : globalThis.WebSocket;
}

/** The subscription by its hash (graphql-ws asks for a `query` string: an empty one), or as its document. */
function progressPayload<V>(variables: V, byHash: boolean): { query: string; variables: V; documentId?: string | undefined } {
  const documentId = byHash ? documentHash(WorkflowProgress) : undefined;
  return documentId ? { query: '', documentId, variables } : { query: print(WorkflowProgress), variables };
}

/**
 * The workflow's progress events, from its current state to the event with a final status, over
 * graphql-ws. After a dropped connection graphql-ws reconnects and sends the subscription again;
 * its variables are updated as events arrive, so it resumes from the last version seen rather
 * than from the start, and an event older than one already seen is skipped.
 */
export async function* watchWorkflow(
  httpUrl: string,
  apiKey: string | undefined,
  id: string,
  options: WatchOptions = {},
): AsyncGenerator<ProgressEvent> {
  let lastVersion = options.sinceVersion;
  const variables: { id: string; sinceVersion?: number } = lastVersion === undefined ? { id } : { id, sinceVersion: lastVersion };
  // graphql-ws sends this same object again on every reconnect.
  const payload = progressPayload(variables, options.byHash !== false);
  const client = createClient({
    url: webSocketUrl(httpUrl),
    webSocketImpl: await webSocketImplementation(),
    connectionParams: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    retryAttempts: options.retryAttempts ?? 10,
    // A refused or reset connection is worth retrying too, not only a clean close.
    shouldRetry: () => true,
    retryWait: backoff,
    on: { connected: (_socket, _payload, wasRetry) => wasRetry && options.onReconnect?.(lastVersion) },
  });
  const pending: Outcome[] = [];
  let wake = () => {};
  const push = (outcome: Outcome) => {
    pending.push(outcome);
    wake();
  };
  const sink: Sink<{ data?: { workflowProgress: ProgressEvent } | null; errors?: unknown }> = {
    next: (result) => {
      const event = result.data?.workflowProgress;
      if (result.errors || !event) return push({ error: toError(result.errors ?? 'an empty event') });
      if (lastVersion !== undefined && event.version < lastVersion) return;
      lastVersion = event.version;
      variables.sinceVersion = event.version;
      push({ event });
    },
    error: (reason) => {
      const error = toError(reason);
      if (!(payload.documentId && (error as FramewrightRequestError).code === 'PERSISTED_QUERY_NOT_FOUND')) return push({ error });
      // The service does not know the hash: the document itself, where the service allows it.
      Object.assign(payload, { query: print(WorkflowProgress), documentId: undefined });
      unsubscribe = client.subscribe(payload, sink);
    },
    complete: () => push({ end: true }),
  };
  let unsubscribe = client.subscribe(payload, sink);
  try {
    for (;;) {
      if (pending.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const outcome = pending.shift()!;
      if ('end' in outcome) return;
      if ('error' in outcome) throw outcome.error;
      yield outcome.event;
    }
  } finally {
    unsubscribe();
    await client.dispose();
  }
}
