// Closed-loop GraphQL clients in a process of their own: each sends its request, waits for the
// answer, and sends the next, for a fixed time. Prints calls/s and latencies as one JSON line.
import { nowMs, summary } from '../lib/stats.ts';

interface ClientsSpec {
  url: string;
  /** Client i uses keys[i % keys.length]. */
  keys: string[];
  clients: number;
  seconds: number;
  query: string;
  variables: object;
}

const spec = JSON.parse(process.argv[2]!) as ClientsSpec;
const latencies: number[] = [];
let failures = 0;
let firstFailure: string | undefined;
const body = JSON.stringify({ query: spec.query, variables: spec.variables });
const until = nowMs() + spec.seconds * 1000;

async function client(index: number): Promise<void> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${spec.keys[index % spec.keys.length]}` };
  while (nowMs() < until) {
    const sent = nowMs();
    const response = await fetch(spec.url, { method: 'POST', headers, body });
    const text = await response.text();
    // Every answer is checked: an error returned fast must not count as a call served.
    if (!response.ok || text.includes('"errors"') || text.includes('"code"')) {
      failures++;
      firstFailure ??= text.slice(0, 300);
      continue;
    }
    latencies.push(nowMs() - sent);
  }
}

const started = nowMs();
await Promise.all(Array.from({ length: spec.clients }, (_, i) => client(i)));
const elapsedSeconds = (nowMs() - started) / 1000;
const figures = summary(latencies);
process.stdout.write(
  `${JSON.stringify({ result: { callsPerSecond: latencies.length / elapsedSeconds, p50: figures.p50, p99: figures.p99, calls: latencies.length, failures, firstFailure } })}\n`,
);
