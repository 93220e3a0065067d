// workflowProgress subscribers over graphql-ws, in a process of their own. Each receipt is kept as
// [subscriber index, workflowId, version, wall-clock ms]; the bench asks for them over IPC when its changes are done.
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { nowMs } from '../lib/stats.ts';

interface SubscribersSpec {
  /** ws:// URLs of the API processes; connections are spread over them in turn. */
  urls: string[];
  key: string;
  /** One entry per subscriber: the workflow it follows. */
  workflowIds: string[];
  perConnection: number;
}

const spec = JSON.parse(process.argv[2]!) as SubscribersSpec;
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

for (let start = 0; start < spec.workflowIds.length; start += spec.perConnection) {
  const client = createClient({
    url: spec.urls[clients.length % spec.urls.length]!,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${spec.key}` },
    retryAttempts: 0,
    lazy: true,
  });
  clients.push(client);
  for (let index = start; index < Math.min(start + spec.perConnection, spec.workflowIds.length); index++)
    subscribe(client, index, spec.workflowIds[index]!);
}

// Ready once every subscriber has its first event (the current state): changes after that are all owed to it.
const readyTimer = setInterval(() => {
  if (failures > 0) process.send?.({ type: 'failed', failures, firstFailure });
  if (firstEvents + failures >= spec.workflowIds.length) {
    clearInterval(readyTimer);
    process.send?.({ type: 'ready', subscribers: firstEvents, failures, firstFailure });
  }
}, 50);

process.on('message', (message: { type: string }) => {
  if (message.type !== 'report') return;
  process.send?.({ type: 'receipts', receipts, failures, firstFailure }, () => {
    for (const client of clients) void client.dispose();
    setTimeout(() => process.exit(0), 200);
  });
});
