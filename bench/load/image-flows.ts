// The IMAGE pipeline's baseline: the same sharp operations (the four IMAGE flows of the service,
// called one after the other on the previous one's output) in a plain script, with no queue,
// database or bucket. Prints the median of 3 timed runs after a warm-up run.
import fs from 'node:fs/promises';
import { runFlowsInScript } from '../lib/flows-in-script.ts';
import { nowMs, percentile } from '../lib/stats.ts';

async function once(source: Buffer): Promise<number> {
  const started = nowMs();
  await runFlowsInScript(source, 'IMAGE');
  return nowMs() - started;
}

const source = await fs.readFile(process.argv[2]!);
await once(source);
const times = [await once(source), await once(source), await once(source)];
process.stdout.write(`${JSON.stringify({ result: { ms: percentile(times, 50) } })}\n`);
