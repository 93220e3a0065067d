import { replaceAlphaWithGray } from '../../media/replace-alpha-with-gray.ts';
import { type Flow, inSharpSpan } from './flow.ts';

/** Flattens transparency onto #808080. */
export const replaceAlphaWithGrayFlow: Flow = async ({ input, onProgress }) => {
  const image = await inSharpSpan('replaceAlphaWithGray', () => replaceAlphaWithGray(input.data));
  onProgress(1);
  return [
    { name: 'gray.png', data: image.data, contentType: image.contentType, width: image.width, height: image.height, durationMs: null },
  ];
};
