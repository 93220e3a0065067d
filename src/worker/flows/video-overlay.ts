import fs from 'node:fs/promises';
import path from 'node:path';
import { CLIP_FORMAT } from '../../media/render-clip.ts';
import { overlayVideo, type VideoOverlayOutput } from '../../media/video-overlay.ts';
import type { Flow, FlowOutput } from './flow.ts';

/**
 * The clip over the model's background video and the title: an H.264 MP4 with +faststart, probed
 * for its size and length. In a whole run CREATE_MEDIA made it already, from the same frames as
 * the clip; a run resumed after CREATE_MEDIA overlays the stored clip.
 */
export const videoOverlayFlow: Flow = async ({ input, prepared, template, workflow, workDir, signal, onProgress }) => {
  if (prepared) {
    onProgress(1);
    return prepared;
  }
  const clipPath = path.join(workDir, `clip.${CLIP_FORMAT.extension}`);
  await fs.writeFile(clipPath, input.data);
  const video = await overlayVideo(
    { clipPath, outputPath: path.join(workDir, VIDEO_NAME), template, aspectRatio: workflow.aspectRatio, title: workflow.title },
    { signal, onProgress },
  );
  return [videoOutput(video)];
};

/** VIDEO_OVERLAY's file name, whichever flow renders it. */
export const VIDEO_NAME = 'final.mp4';

export function videoOutput(video: VideoOverlayOutput): FlowOutput {
  return {
    name: VIDEO_NAME,
    data: { path: video.path },
    contentType: video.contentType,
    width: video.width,
    height: video.height,
    durationMs: video.durationMs,
  };
}
