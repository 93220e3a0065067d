// The IMAGE pipeline's baseline: the same sharp operations (the four IMAGE flows of the service,
// called one after the other on the previous one's output) in a plain script, with no queue,
// database or bucket. Prints the median of the timed runs after the warm-ups (IMAGE_RUNS), in
// time and in CPU time (this process's, sharp's threads included).
import fs from 'node:fs/promises';
import { runFlowsInScript } from '../lib/flows-in-script.ts';
import { IMAGE_RUNS } from '../lib/image-runs.ts';
import { nowMs, percentile } from '../lib/stats.ts';

async function once(source: Buffer): Promise<{ ms: number; cpuMs: number }> {
  const started = nowMs();
  const cpu = process.cpuUsage();
  await runFlowsInScript(source, 'IMAGE');
  const used = process.cpuUsage(cpu);
  return { ms: nowMs() - started, cpuMs: (used.user + used.system) / 1000 };
}

const source = await fs.readFile(process.argv[2]!);
for (let i = 0; i < IMAGE_RUNS.warmUp; i++) await once(source);
const runs: Array<{ ms: number; cpuMs: number }> = [];
for (let i = 0; i < IMAGE_RUNS.timed; i++) runs.push(await once(source));
const median = (pick: (run: { ms: number; cpuMs: number }) => number) => percentile(runs.map(pick), 50);
const result = { ms: median((run) => run.ms), cpuMs: median((run) => run.cpuMs) };
process.stdout.write(`${JSON.stringify({ result })}\n`);
