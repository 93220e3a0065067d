import { cropToContent } from '../../media/crop-to-content.ts';
import { type Flow, inSharpSpan } from './flow.ts';

/** Trims the transparent (or, for an opaque image, the uniform) border around the subject. */
export const cropToContentFlow: Flow = async ({ input, onProgress }) => {
  const image = await inSharpSpan('cropToContent', () => cropToContent(input.data));
  onProgress(1);
  return [
    { name: 'cropped.png', data: image.data, contentType: image.contentType, width: image.width, height: image.height, durationMs: null },
  ];
};
