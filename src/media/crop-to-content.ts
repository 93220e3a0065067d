import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { asMediaError, openImage } from './decode.ts';
import { MediaError } from './errors.ts';
import type { ImageOutput } from './types.ts';

/** sharp's trim refuses anything smaller; createWorkflow refuses such an image before it charges. */
export const MIN_IMAGE_SIDE = 3;

/**
 * CROP_TO_CONTENT. sharp's trim takes the top-left pixel as the border colour and, when the image
 * has an alpha channel, trims fully transparent rows and columns whatever colour they hold; its
 * threshold (10 of 255) absorbs JPEG noise in a "uniform" border. An image that is all border (a
 * single colour) is returned whole: it is its own content; one that is entirely transparent is a
 * MediaError. Output: PNG, alpha kept.
 */
export async function cropToContent(image: Uint8Array): Promise<ImageOutput> {
  let metadata: Metadata;
  try {
    metadata = await sharp(image).metadata();
  } catch (error) {
    throw asMediaError(error, 'the image could not be decoded');
  }
  let trimmed: { data: Buffer; info: OutputInfo };
  try {
    trimmed = await openImage(image).trim().png().toBuffer({ resolveWithObject: true });
  } catch (error) {
    await refuseTransparent(image, metadata);
    throw asMediaError(error, 'the image could not be cropped');
  }
  const { data, info } = trimmed;
  // Only an image trim left whole can be all transparent: the full pass over its pixels that
  // tells is skipped for every image that had a border.
  if (info.width === metadata.autoOrient.width && info.height === metadata.autoOrient.height) await refuseTransparent(image, metadata);
  return { data, width: info.width, height: info.height, contentType: 'image/png' };
}

async function refuseTransparent(image: Uint8Array, metadata: Metadata): Promise<void> {
  if (!metadata.hasAlpha) return;
  let alphaMax: number | undefined;
  try {
    // Statistics are of the decoded input, whose alpha is its last channel.
    alphaMax = (await openImage(image).stats()).channels.at(-1)?.max;
  } catch (error) {
    throw asMediaError(error, 'the image could not be decoded');
  }
  if (alphaMax === 0) throw new MediaError('the image is entirely transparent: nothing to crop to');
}
