import type { ResultOf, TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql } from '../gql/index.ts';

export const WorkflowProgress = graphql(`
  subscription WorkflowProgress($id: ID!, $sinceVersion: Int) {
    workflowProgress(id: $id, sinceVersion: $sinceVersion) {
      workflowId
      processingStatus
      progressPercentage
      flow
      flowStatus
      version
      emittedAt
      workflow {
        id
        processingStatus
        progressPercentage
        version
        visibilityStatus
        completions {
          flow
          status
        }
      }
    }
  }
`);

export type ProgressEvent = ResultOf<typeof WorkflowProgress>['workflowProgress'];

export interface GraphQLErrorShape {
  message: string;
  extensions?: Record<string, unknown>;
}

/** What one subscriber saw: its events in order, then how the stream ended. */
export interface Subscription {
  events: ProgressEvent[];
  /** Resolves when the stream ends: completed by the server, with errors, or with a transport failure. */
  ended: Promise<{ completed: boolean; errors: GraphQLErrorShape[] }>;
  /** Resolves once `count` events have arrived. */
  received(count: number): Promise<void>;
  /** Stops listening (client side); `ended` resolves with completed false. */
  close(): void;
}

const TERMINAL = new Set(['SUCCESS', 'FAILED', 'CANCELED']);

export function isTerminal(event: ProgressEvent | undefined): boolean {
  return event !== undefined && TERMINAL.has(event.processingStatus);
}

function tracker() {
  const events: ProgressEvent[] = [];
  const waiters: Array<{ count: number; resolve(): void }> = [];
  let finish!: (result: { completed: boolean; errors: GraphQLErrorShape[] }) => void;
  const ended = new Promise<{ completed: boolean; errors: GraphQLErrorShape[] }>((resolve) => (finish = resolve));
  let isEnded = false;
  const push = (event: ProgressEvent) => {
    events.push(event);
    for (const waiter of [...waiters]) {
      if (events.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const end = (completed: boolean, errors: GraphQLErrorShape[]) => {
    if (isEnded) return;
    isEnded = true;
    finish({ completed, errors });
  };
  const received = (count: number) =>
    events.length >= count
      ? Promise.resolve()
      : Promise.race([
          new Promise<void>((resolve) => waiters.push({ count, resolve })),
          ended.then((result) => {
            if (events.length < count) throw new Error(`the stream ended after ${events.length} event(s): ${JSON.stringify(result)}`);
          }),
        ]);
  return { events, ended, push, end, received };
}

/** A graphql-ws client on the app's /graphql; the key goes in connectionParams unless `header` asks for the upgrade request's header. */
export function wsClient(httpUrl: string, key?: string, options: { header?: boolean } = {}): Client {
  const authorization = key ? `Bearer ${key}` : undefined;
  const headerOnly = options.header && authorization;
  class WebSocketWithHeader extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: { authorization: authorization! } });
    }
  }
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: headerOnly ? WebSocketWithHeader : WebSocket,
    connectionParams: authorization && !headerOnly ? { authorization } : undefined,
    retryAttempts: 0,
    lazy: true,
  });
}

export function subscribeWs<V extends Record<string, unknown>>(
  client: Client,
  variables: V,
  document: TypedDocumentNode<ResultOf<typeof WorkflowProgress>, V> = WorkflowProgress as never,
): Subscription {
  const t = tracker();
  const unsubscribe = client.subscribe<ResultOf<typeof WorkflowProgress>>(
    { query: print(document), variables },
    {
      next: (result) => {
        if (result.errors?.length) t.end(false, result.errors as GraphQLErrorShape[]);
        else if (result.data) t.push(result.data.workflowProgress);
      },
      error: (error) => t.end(false, Array.isArray(error) ? (error as GraphQLErrorShape[]) : [{ message: describe(error) }]),
      complete: () => t.end(true, []),
    },
  );
  return {
    events: t.events,
    ended: t.ended,
    received: t.received,
    close: () => {
      unsubscribe();
      t.end(false, []);
    },
  };
}

/** SSE as graphql-yoga serves it: a POST with accept: text/event-stream, read as it streams. */
export function subscribeSse(
  httpUrl: string,
  variables: Record<string, unknown>,
  key?: string,
): Subscription & { status: Promise<number> } {
  const t = tracker();
  const abort = new AbortController();
  let setStatus!: (status: number) => void;
  const status = new Promise<number>((resolve) => (setStatus = resolve));
  void (async () => {
    try {
      const response = await fetch(httpUrl, {
        method: 'POST',
        headers: {
          accept: 'text/event-stream',
          'content-type': 'application/json',
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        body: JSON.stringify({ query: print(WorkflowProgress), variables }),
        signal: abort.signal,
      });
      setStatus(response.status);
      if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
        const body = (await response.json()) as { errors?: GraphQLErrorShape[] };
        t.end(false, body.errors ?? [{ message: `HTTP ${response.status}` }]);
        return;
      }
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let boundary = buffer.indexOf('\n\n'); boundary >= 0; boundary = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const lines = block.split('\n');
          const event = lines
            .find((line) => line.startsWith('event:'))
            ?.slice(6)
            .trim();
          const data = lines
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (event === 'next') {
            const result = JSON.parse(data) as { data?: ResultOf<typeof WorkflowProgress>; errors?: GraphQLErrorShape[] };
            if (result.errors?.length) t.end(false, result.errors);
            else if (result.data) t.push(result.data.workflowProgress);
          } else if (event === 'complete') {
            t.end(true, []);
            abort.abort();
            return;
          }
        }
      }
      t.end(false, [{ message: 'the stream closed without a complete event' }]);
    } catch (error) {
      setStatus(0);
      t.end(false, [{ message: describe(error) }]);
    }
  })();
  return {
    events: t.events,
    ended: t.ended,
    received: t.received,
    status,
    close: () => {
      abort.abort();
      t.end(false, []);
    },
  };
}

/** Checks the stream's invariants: versions rise, progress never falls, the last event (only it) is final. */
export function expectWellFormed(events: ProgressEvent[]): void {
  if (events.length === 0) throw new Error('no events');
  for (const [i, event] of events.entries()) {
    const previous = events[i - 1];
    if (previous && !(event.version > previous.version)) throw new Error(`versions do not rise: ${previous.version} then ${event.version}`);
    if (previous && event.progressPercentage < previous.progressPercentage) {
      throw new Error(`progress went down: ${previous.progressPercentage} then ${event.progressPercentage}`);
    }
    if (i < events.length - 1 && isTerminal(event)) throw new Error(`a final status before the end: ${JSON.stringify(events)}`);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'code' in error)
    return `socket closed: ${String((error as { code: unknown }).code)} ${String((error as { reason?: unknown }).reason ?? '')}`;
  return String(error);
}

/** Polls until `check` holds (or fails after timeoutMs with `what`). */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
