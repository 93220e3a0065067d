// The load generator of the reads benchmark, in a process of its own: autocannon against one URL,
// printing its figures as one JSON line.
import autocannon from 'autocannon';

interface LoadSpec {
  url: string;
  connections: number;
  durationSeconds: number;
  body: string;
  headers: Record<string, string>;
}

const spec = JSON.parse(process.argv[2]!) as LoadSpec;
const result = await autocannon({
  url: spec.url,
  method: 'POST',
  connections: spec.connections,
  duration: spec.durationSeconds,
  headers: { 'content-type': 'application/json', ...spec.headers },
  body: spec.body,
});
process.stdout.write(
  `${JSON.stringify({
    result: {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
    },
  })}\n`,
);
