import path from 'node:path';
import { CLIP_FORMAT } from '../../media/render-clip.ts';
import { renderImage } from '../../media/render-image.ts';
import { renderClipAndVideo } from '../../media/render-video.ts';
import { type Flow, inSharpSpan } from './flow.ts';
import { VIDEO_NAME, videoOutput } from './video-overlay.ts';

/**
 * IMAGE: the finished PNG. VIDEO: the animated subject on a transparent background, for
 * VIDEO_OVERLAY, which it also renders from the same frames and hands over. The input is the gray-flattened subject; CROP_TO_CONTENT's alpha (the matte)
 * cuts it out again, so the media never shows REPLACE_ALPHA_WITH_GRAY's gray.
 */
export const createMediaFlow: Flow = async ({ input, loadOutput, handOver, template, workflow, workDir, signal, onProgress }) => {
  const matte = (await loadOutput('CROP_TO_CONTENT')).data;
  if (workflow.pipelineMode === 'IMAGE') {
    const image = await inSharpSpan('renderImage', () =>
      renderImage(input.data, { template, aspectRatio: workflow.aspectRatio, title: workflow.title, matte }),
    );
    onProgress(1);
    return [
      { name: 'final.png', data: image.data, contentType: image.contentType, width: image.width, height: image.height, durationMs: null },
    ];
  }
  const name = `clip.${CLIP_FORMAT.extension}`;
  const { clip, video } = await renderClipAndVideo(
    {
      subject: input.data,
      matte,
      outputPath: path.join(workDir, name),
      videoPath: path.join(workDir, VIDEO_NAME),
      template,
      aspectRatio: workflow.aspectRatio,
      title: workflow.title,
    },
    { signal, onProgress },
  );
  handOver('VIDEO_OVERLAY', [videoOutput(video)]);
  return [
    { name, data: { path: clip.path }, contentType: clip.contentType, width: clip.width, height: clip.height, durationMs: clip.durationMs },
  ];
};
