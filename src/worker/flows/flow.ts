import fs from 'node:fs/promises';
import type { ModelTemplate } from '../../media/template.ts';
import type { FlowName, PipelineMode } from '../../modules/workflows/workflow.ts';
import { inSpan } from '../../tracing/tracing.ts';

/** The file a flow reads: the previous flow's first output, or the source for the first flow. */
export interface FlowInput {
  key: string;
  data: Buffer;
  contentType: string;
}

export interface FlowOutput {
  /** File name inside the flow's folder of the bucket; fixed per flow, so a repeat overwrites. */
  name: string;
  /** The bytes, or a path to read them from (large video files stay on disk). */
  data: Buffer | { path: string };
  contentType: string;
  width: number | null;
  height: number | null;
  durationMs: number | null;
}

export interface FlowContext {
  workflow: { id: string; title: string; model: string; aspectRatio: string; pipelineMode: PipelineMode };
  template: ModelTemplate;
  input: FlowInput;
  /** The first output of a flow that ran before this one in the run (e.g. CREATE_MEDIA reads CROP_TO_CONTENT's alpha). */
  loadOutput(flow: FlowName): Promise<FlowInput>;
  /** A private scratch folder, removed after the flow. */
  workDir: string;
  /** Aborted when the run is canceled or deleted, or the worker stops; kill child processes on it. */
  signal: AbortSignal;
  /** Progress within the flow, 0 to 1. */
  onProgress(fraction: number): void;
  /**
   * What an earlier flow of this run already made for this one (CREATE_MEDIA renders
   * VIDEO_OVERLAY's MP4 in the same pass); absent when the run resumed after that flow.
   */
  prepared?: FlowOutput[];
  /** Hands outputs made in passing to a later flow of this run, as its `prepared`. */
  handOver(flow: FlowName, outputs: FlowOutput[]): void;
}

export type Flow = (context: FlowContext) => Promise<FlowOutput[]>;

export type FlowRegistry = Readonly<Record<FlowName, Flow>>;

/** sharp's work in a flow, as a span of its own under the flow's (the span names say which operation). */
export function inSharpSpan<T>(operation: string, work: () => Promise<T>): Promise<T> {
  return inSpan(`sharp ${operation}`, { attributes: { 'framewright.media.operation': operation } }, work);
}

/** The outputs with their bytes in memory: a file on disk (a large video) is read, before its scratch folder goes. */
export function inMemory(outputs: FlowOutput[]): Promise<Array<FlowOutput & { data: Buffer }>> {
  return Promise.all(
    outputs.map(async (output) => ({ ...output, data: Buffer.isBuffer(output.data) ? output.data : await fs.readFile(output.data.path) })),
  );
}
