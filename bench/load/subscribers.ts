// workflowProgress subscribers over graphql-ws, in a process of their own; the fan-out bench starts
// several, each with a share of the subscribers, so that parsing thousands of messages a change is
// spread over processes instead of queued in one. Each receipt is kept as [subscriber index,
// workflowId, version, wall-clock ms]; the bench asks for them over IPC when its changes are done.
import fs from 'node:fs';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { nowMs } from '../lib/stats.ts';

interface SubscribersSpec {
  /** ws:// URLs of the API processes; connections are spread over them in turn. */
  urls: string[];
  key: string;
  /** This process's subscribers: [index among all the bench's subscribers, the workflow it follows]. */
  subscribers: Array<[number, string]>;
  perConnection: number;
  /** Which of the subscriber processes this is: its connections start on a different API each. */
  offset: number;
}

// The spec is a file: thousands of workflow ids are more than a command line takes.
const spec = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as SubscribersSpec;
const QUERY = 'subscription($id: ID!) { workflowProgress(id: $id) { workflowId version processingStatus } }';
const receipts: Array<[number, string, number, number]> = [];
const clients: Client[] = [];
let firstEvents = 0;
let failures = 0;
let firstFailure: string | undefined;

function fail(error: unknown): void {
  failures++;
  firstFailure ??= error instanceof Error ? error.message : JSON.stringify(error);
}

function subscribe(client: Client, index: number, workflowId: string): void {
  let first = true;
  client.subscribe<{ workflowProgress: { workflowId: string; version: number } }>(
    { query: QUERY, variables: { id: workflowId } },
    {
      next: (result) => {
        const at = nowMs();
        const event = result.data?.workflowProgress;
        if (!event) return fail(result.errors);
        if (first) {
          first = false;
          firstEvents++;
          return;
        }
        receipts.push([index, event.workflowId, event.version, at]);
      },
      error: fail,
      complete: () => {},
    },
  );
}

/**
 * One connection at a time, each opened once the previous one's subscribers have their first event
 * (the current state): thousands of subscriptions opened in one burst queue for the API's pool and
 * time out, which measures the burst rather than the fan-out.
 */
async function openAll(): Promise<void> {
  for (let start = 0; start < spec.subscribers.length; start += spec.perConnection) {
    const client = createClient({
      url: spec.urls[(spec.offset + clients.length) % spec.urls.length]!,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${spec.key}` },
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(client);
    const end = Math.min(start + spec.perConnection, spec.subscribers.length);
    for (let i = start; i < end; i++) subscribe(client, ...spec.subscribers[i]!);
    while (firstEvents + failures < end) await new Promise((resolve) => setTimeout(resolve, 20));
    if (failures > 0) process.send?.({ type: 'failed', failures, firstFailure });
  }
  // Ready once every subscriber has its first event: changes after that are all owed to it.
  process.send?.({ type: 'ready', subscribers: firstEvents, failures, firstFailure });
}

void openAll();

process.on('message', (message: { type: string }) => {
  if (message.type !== 'report') return;
  process.send?.({ type: 'receipts', receipts, failures, firstFailure }, () => {
    for (const client of clients) void client.dispose();
    setTimeout(() => process.exit(0), 200);
  });
});
