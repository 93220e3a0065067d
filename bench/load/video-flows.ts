// The VIDEO pipeline's media work alone: the five VIDEO flows of the service (16:9, the bench's
// 1200x900 source unless a PNG is given), called one after the other on the previous one's
// output, with no queue, database or bucket. Prints each flow's time of one run, for timing the
// flows as a whole process (CPU time included) against another version of them. With KEEP_DIR
// set, every flow's output is written there (the clip, the final MP4) to be checked.
import fs from 'node:fs/promises';
import path from 'node:path';
import { inputImage } from '../lib/client.ts';
import { runFlowsInScript } from '../lib/flows-in-script.ts';

const keep = process.env.KEEP_DIR;
const source = process.argv[2] ? await fs.readFile(process.argv[2]) : await inputImage(1200, 900);
const times = await runFlowsInScript(source, 'VIDEO', async (name, data) => {
  if (keep) await fs.writeFile(path.join(keep, name), data);
});
process.stdout.write(
  `${JSON.stringify({ result: Object.fromEntries(Object.entries(times).map(([flow, ms]) => [flow, Math.round(ms)])) })}\n`,
);
