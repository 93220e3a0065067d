// The media work of a pipeline alone: the service's flows called one after the other on the
// previous one's output, with no queue, database or bucket (the baselines of the pipeline bench).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findModel } from '../../src/modules/models/models.ts';
import type { FlowName, PipelineMode } from '../../src/modules/workflows/workflow.ts';
import { type FlowInput, type FlowOutput, inMemory } from '../../src/worker/flows/flow.ts';
import { flows } from '../../src/worker/flows/index.ts';
import { nowMs } from './stats.ts';

const FLOWS: Record<PipelineMode, FlowName[]> = {
  IMAGE: ['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA'],
  VIDEO: ['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA', 'VIDEO_OVERLAY'],
};

/** Runs the mode's flows on `source` (16:9, the first model); each flow's time in ms, and each output to `onOutput`. */
export async function runFlowsInScript(
  source: Buffer,
  mode: PipelineMode,
  onOutput: (name: string, data: Buffer) => Promise<void> = async () => {},
): Promise<Record<string, number>> {
  const model = findModel('vim_new_year_2026')!;
  let input: FlowInput = { key: 'source.png', data: source, contentType: 'image/png' };
  const outputs = new Map<FlowName, FlowInput>();
  const prepared = new Map<FlowName, FlowOutput[]>();
  const times: Record<string, number> = {};
  for (const flow of FLOWS[mode]) {
    const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-flow-'));
    const started = nowMs();
    const [output] = await flows[flow]({
      workflow: { id: 'bench', title: 'Bench workflow', model: model.id, aspectRatio: '16:9', pipelineMode: mode },
      template: model.template,
      input,
      loadOutput: async (name) => outputs.get(name)!,
      workDir,
      signal: new AbortController().signal,
      onProgress: () => {},
      prepared: prepared.get(flow),
      handOver: (later, made) => prepared.set(later, made),
    });
    const data = (await inMemory([output!]))[0]!.data;
    for (const [later, made] of prepared) {
      if (later !== flow) prepared.set(later, await inMemory(made));
    }
    times[flow] = nowMs() - started;
    await onOutput(output!.name, data);
    await fs.rm(workDir, { recursive: true, force: true });
    input = { key: output!.name, data, contentType: output!.contentType };
    outputs.set(flow, input);
  }
  return times;
}
