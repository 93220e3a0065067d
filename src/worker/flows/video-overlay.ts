import fs from 'node:fs/promises';
import path from 'node:path';
import { CLIP_FORMAT } from '../../media/render-clip.ts';
import { overlayVideo } from '../../media/video-overlay.ts';
import type { Flow } from './flow.ts';

/** The clip over the model's background video and the title: an H.264 MP4 with +faststart, probed for its size and length. */
export const videoOverlayFlow: Flow = async ({ input, template, workflow, workDir, signal, onProgress }) => {
  const clipPath = path.join(workDir, `clip.${CLIP_FORMAT.extension}`);
  await fs.writeFile(clipPath, input.data);
  const video = await overlayVideo(
    { clipPath, outputPath: path.join(workDir, 'final.mp4'), template, aspectRatio: workflow.aspectRatio, title: workflow.title },
    { signal, onProgress },
  );
  return [
    {
      name: 'final.mp4',
      data: { path: video.path },
      contentType: video.contentType,
      width: video.width,
      height: video.height,
      durationMs: video.durationMs,
    },
  ];
};
