// The IMAGE pipeline's baseline: the same sharp operations (the four IMAGE flows of the service,
// called one after the other on the previous one's output) in a plain script, with no queue,
// database or bucket. Prints the median of 3 timed runs after a warm-up run.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FlowInput } from '../../src/jobs/flows/flow.ts';
import { flows } from '../../src/jobs/flows/index.ts';
import { findModel } from '../../src/modules/models/models.ts';
import type { FlowName } from '../../src/modules/workflows/workflow.ts';
import { nowMs, percentile } from '../lib/stats.ts';

const IMAGE_FLOWS: FlowName[] = ['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA'];
const model = findModel('vim_new_year_2026')!;

async function once(source: Buffer): Promise<number> {
  const started = nowMs();
  let input: FlowInput = { key: 'source.png', data: source, contentType: 'image/png' };
  const outputs = new Map<FlowName, FlowInput>();
  for (const flow of IMAGE_FLOWS) {
    const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-flow-'));
    const [output] = await flows[flow]({
      workflow: { id: 'bench', title: 'Bench workflow', model: model.id, aspectRatio: '16:9', pipelineMode: 'IMAGE' },
      template: model.template,
      input,
      loadOutput: async (name) => outputs.get(name)!,
      workDir,
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    const data = Buffer.isBuffer(output!.data) ? output!.data : await fs.readFile(output!.data.path);
    await fs.rm(workDir, { recursive: true, force: true });
    input = { key: output!.name, data, contentType: output!.contentType };
    outputs.set(flow, input);
  }
  return nowMs() - started;
}

const source = await fs.readFile(process.argv[2]!);
await once(source);
const times = [await once(source), await once(source), await once(source)];
process.stdout.write(`${JSON.stringify({ result: { ms: percentile(times, 50) } })}\n`);
