import sharp, { type Metadata, type OutputInfo, type Region } from 'sharp';
import { asMediaError, openImage, toPng } from './decode.ts';
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
  const box = hasTransparentBorderCandidate(metadata) ? await alphaTrimBox(image, metadata).catch(() => undefined) : undefined;
  if (box === undefined) return trimWhole(image, metadata);
  if (box === 'transparent') throw new MediaError('the image is entirely transparent: nothing to crop to');
  const pipeline = openImage(image);
  if (box !== 'whole') pipeline.extract(box);
  return toPng(pipeline, 'the image could not be cropped');
}

/**
 * An 8-bit image with alpha, shown as stored: the kind whose trim box alphaTrimBox can find from
 * its alpha alone. (16-bit images trim on another scale; a rotated one trims before it turns.)
 */
function hasTransparentBorderCandidate(metadata: Metadata): boolean {
  return (
    metadata.hasAlpha &&
    metadata.depth === 'uchar' &&
    (metadata.channels === 2 || metadata.channels === 4) &&
    (metadata.orientation ?? 1) === 1 &&
    (metadata.pages ?? 1) === 1
  );
}

/**
 * The box sharp's trim would cut from an image whose top-left pixel is fully transparent, found
 * without the RGBA copy trim makes: a 40-megapixel PNG is decoded sequentially, so trim holds all
 * of it (160 MB) in memory to scan it twice and cut it. Here one decode keeps only the alpha
 * (40 MB), trim runs on that, and the caller's second decode cuts the box out as it streams.
 *
 * Why the alpha alone gives trim's box: trim unites the box where the alpha (median of 3x3,
 * then more than 10 from the corner's alpha) differs, and the box where the colours, flattened
 * onto the corner's colour, differ likewise. With a corner alpha of 0, a flattened channel
 * differs from that colour by at most the pixel's alpha, so a 3x3 median more than 10 away needs
 * 5 of the 9 pixels with alpha over 10: the alpha's median is over 10 there too, and the colour
 * box lies inside the alpha box.
 *
 * Undefined when the corner is not fully transparent (trim's full rule applies); 'whole' when
 * nothing is cut; 'transparent' when no pixel has any opacity.
 */
async function alphaTrimBox(image: Uint8Array, metadata: Metadata): Promise<Region | 'whole' | 'transparent' | undefined> {
  const alphaChannel = (metadata.channels - 1) as 1 | 3;
  const corner = await sharp(image, { failOn: 'error' })
    .extract({ left: 0, top: 0, width: 1, height: 1 })
    .extractChannel(alphaChannel)
    .raw()
    .toBuffer();
  if (corner[0] !== 0) return undefined;
  const alpha = await sharp(image, { failOn: 'error' }).extractChannel(alphaChannel).raw().toBuffer({ resolveWithObject: true });
  const { width, height } = alpha.info;
  // A raw input is random access: trim scans it in place. Its output (the alpha inside the box,
  // one band) is only there to carry the box's size.
  const { info } = await sharp(alpha.data, { raw: { width, height, channels: 1 } })
    .trim()
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width === width && info.height === height) return hasOpacity(alpha.data) ? 'whole' : 'transparent';
  return { left: -(info.trimOffsetLeft ?? 0), top: -(info.trimOffsetTop ?? 0), width: info.width, height: info.height };
}

function hasOpacity(alpha: Buffer): boolean {
  for (const value of alpha) if (value !== 0) return true;
  return false;
}

/** sharp's trim on the whole decoded image: for the images alphaTrimBox cannot answer for. */
async function trimWhole(image: Uint8Array, metadata: Metadata): Promise<ImageOutput> {
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
