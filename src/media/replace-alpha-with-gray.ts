import sharp, { type Metadata } from 'sharp';
import { asMediaError, FLATTEN_GRAY, isPlainPng, openImage, toPng, unchangedPng } from './decode.ts';
import type { ImageOutput } from './types.ts';

export const GRAY = `#${FLATTEN_GRAY.toString(16).repeat(3)}`;

/**
 * REPLACE_ALPHA_WITH_GRAY: composites the image over #808080 (a fully transparent pixel becomes
 * exactly 128,128,128; a partly transparent one a blend) and drops the alpha channel. Output:
 * 3-channel PNG. CREATE_MEDIA undoes the blend with CROP_TO_CONTENT's alpha (loadSubjectRgba).
 */
export async function replaceAlphaWithGray(image: Uint8Array): Promise<ImageOutput> {
  let metadata: Metadata;
  try {
    metadata = await sharp(image).metadata();
  } catch (error) {
    throw asMediaError(error, 'the image could not be decoded');
  }
  // Nothing to flatten (CROP_TO_CONTENT's output of an opaque source): the same pixels, as they are.
  if (!metadata.hasAlpha && isPlainPng(metadata)) return unchangedPng(image, metadata);
  return toPng(openImage(image).flatten({ background: GRAY }).removeAlpha(), 'the image could not be flattened');
}
