import { openImage, toPng } from './decode.ts';
import type { ImageOutput } from './types.ts';

export const GRAY = '#808080';

/**
 * REPLACE_ALPHA_WITH_GRAY: composites the image over #808080 (a fully transparent pixel becomes
 * exactly 128,128,128; a partly transparent one a blend) and drops the alpha channel. Output:
 * 3-channel PNG.
 */
export async function replaceAlphaWithGray(image: Uint8Array): Promise<ImageOutput> {
  return toPng(openImage(image).flatten({ background: GRAY }).removeAlpha(), 'the image could not be flattened');
}
