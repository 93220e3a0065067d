// The VIDEO pipeline's media work alone: the five VIDEO flows of the service (16:9, the bench's
// 1200x900 source unless a PNG is given), called one after the other on the previous one's
// output, with no queue, database or bucket. Prints each flow's time of one run, for timing the
// flows as a whole process (CPU time included) against another version of them. With KEEP_DIR
// set, every flow's output is written there (the clip, the final MP4) to be checked.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FlowInput } from '../../src/jobs/flows/flow.ts';
import { flows } from '../../src/jobs/flows/index.ts';
import { findModel } from '../../src/modules/models/models.ts';
import type { FlowName } from '../../src/modules/workflows/workflow.ts';
import { inputImage } from '../lib/client.ts';
import { nowMs } from '../lib/stats.ts';

const VIDEO_FLOWS: FlowName[] = ['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA', 'VIDEO_OVERLAY'];
const model = findModel('vim_new_year_2026')!;
const keep = process.env.KEEP_DIR;

const source = process.argv[2] ? await fs.readFile(process.argv[2]) : await inputImage(1200, 900);
let input: FlowInput = { key: 'source.png', data: source, contentType: 'image/png' };
const outputs = new Map<FlowName, FlowInput>();
const times: Record<string, number> = {};
for (const flow of VIDEO_FLOWS) {
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-flow-'));
  const started = nowMs();
  const [output] = await flows[flow]({
    workflow: { id: 'bench', title: 'Bench workflow', model: model.id, aspectRatio: '16:9', pipelineMode: 'VIDEO' },
    template: model.template,
    input,
    loadOutput: async (name) => outputs.get(name)!,
    workDir,
    signal: new AbortController().signal,
    onProgress: () => {},
  });
  times[flow] = Math.round(nowMs() - started);
  const data = Buffer.isBuffer(output!.data) ? output!.data : await fs.readFile(output!.data.path);
  if (keep) await fs.writeFile(path.join(keep, output!.name), data);
  await fs.rm(workDir, { recursive: true, force: true });
  input = { key: output!.name, data, contentType: output!.contentType };
  outputs.set(flow, input);
}
process.stdout.write(`${JSON.stringify({ result: times })}\n`);
