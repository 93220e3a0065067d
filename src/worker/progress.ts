import type { FlowName, PipelineMode } from '../modules/workflows/workflow.ts';
import { PIPELINES, PROGRESS_BEFORE_SUCCESS } from '../modules/workflows/workflow.ts';

/**
 * Expected cost of each flow, measured roughly on 1920 px frames: the video steps dominate. In a
 * VIDEO run CREATE_MEDIA encodes the clip and the MP4 together, and VIDEO_OVERLAY only stores
 * the MP4 (it renders it only in a run resumed after CREATE_MEDIA).
 */
const WEIGHTS: Record<PipelineMode, Record<FlowName, number>> = {
  IMAGE: { CROP_TO_CONTENT: 4, REPLACE_ALPHA_WITH_GRAY: 4, UPSCALE: 12, CREATE_MEDIA: 40, VIDEO_OVERLAY: 0 },
  VIDEO: { CROP_TO_CONTENT: 4, REPLACE_ALPHA_WITH_GRAY: 4, UPSCALE: 12, CREATE_MEDIA: 76, VIDEO_OVERLAY: 4 },
};

/**
 * The workflow's percentage when `flow` is `fraction` done. 100 is kept for SUCCESS itself, so a
 * run that is still writing its last row never shows 100.
 */
export function overallProgress(mode: PipelineMode, flow: FlowName, fraction: number): number {
  const flows = PIPELINES[mode];
  const weights = WEIGHTS[mode];
  const total = flows.reduce((sum, f) => sum + weights[f], 0);
  const before = flows.slice(0, flows.indexOf(flow)).reduce((sum, f) => sum + weights[f], 0);
  const clamped = Math.min(1, Math.max(0, fraction));
  return Math.min(PROGRESS_BEFORE_SUCCESS, Math.floor(((before + weights[flow] * clamped) / total) * 100));
}
