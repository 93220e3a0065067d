import { asMediaError, openImage, toPng } from './decode.ts';
import { MediaError } from './errors.ts';
import type { ImageOutput } from './types.ts';

/** sharp's trim refuses anything smaller; createWorkflow refuses such an image before it charges. */
export const MIN_IMAGE_SIDE = 3;

/**
 * CROP_TO_CONTENT. sharp's trim takes the top-left pixel as the border colour and, when the image
 * has an alpha channel, trims fully transparent rows and columns whatever colour they hold; its
 * threshold (10 of 255) absorbs JPEG noise in a "uniform" border. An image that is all border (a
 * single colour) is returned whole: it is its own content. Output: PNG, alpha kept.
 */
export async function cropToContent(image: Uint8Array): Promise<ImageOutput> {
  let alphaMax: number | undefined;
  try {
    const pipeline = openImage(image);
    // Statistics are of the decoded input, whose alpha (if any) is its last channel.
    if ((await pipeline.metadata()).hasAlpha) alphaMax = (await pipeline.stats()).channels.at(-1)?.max;
  } catch (error) {
    throw asMediaError(error, 'the image could not be decoded');
  }
  if (alphaMax === 0) {
    throw new MediaError('the image is entirely transparent: nothing to crop to');
  }
  return toPng(openImage(image).trim(), 'the image could not be cropped');
}
