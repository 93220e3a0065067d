import { upscale } from '../../media/upscale.ts';
import { type Flow, inSharpSpan } from './flow.ts';

/** Lanczos up to the model's subject box at the aspect ratio, at most 4x (see upscaleTarget). */
export const upscaleFlow: Flow = async ({ input, template, workflow, onProgress }) => {
  const image = await inSharpSpan('upscale', () => upscale(input.data, { template, aspectRatio: workflow.aspectRatio }));
  onProgress(1);
  return [
    { name: 'upscaled.png', data: image.data, contentType: image.contentType, width: image.width, height: image.height, durationMs: null },
  ];
};
