import sharp, { type Metadata } from 'sharp';
import { asMediaError, isPlainPng, toPng, unchangedPng } from './decode.ts';
import { evenFloor, type Size, subjectBox } from './layout.ts';
import type { ModelTemplate } from './template.ts';
import type { ImageOutput } from './types.ts';

export const MAX_UPSCALE = 4;

/**
 * The UPSCALE target for an image of `input` size. The rule:
 * 1. box = subjectBox(template, aspectRatio): the frame times subjectScale, sides even
 *    (16:9 at 0.7 → 1344x756);
 * 2. the largest size with the input's aspect ratio that fits inside the box (width- or
 *    height-limited, whichever binds first);
 * 3. the scale is clamped to [1, 4]: an input already as large as the box (in the binding side)
 *    keeps its size, a tiny one grows 4x at most;
 * 4. each side is rounded down to an even number (at least 2): an odd side loses one pixel.
 * So the result never exceeds the box unless the input did, and never exceeds 4x the input.
 */
export function upscaleTarget(input: Size, template: Pick<ModelTemplate, 'subjectScale'>, aspectRatio: string): Size & { scale: number } {
  const box = subjectBox(template, aspectRatio);
  let width: number;
  let height: number;
  // Cross-multiplied in integers so an exact fit stays exact.
  if (box.width * input.height <= box.height * input.width) {
    width = box.width;
    height = Math.floor((input.height * box.width) / input.width);
  } else {
    width = Math.floor((input.width * box.height) / input.height);
    height = box.height;
  }
  if (width > input.width * MAX_UPSCALE) {
    width = input.width * MAX_UPSCALE;
    height = input.height * MAX_UPSCALE;
  } else if (width < input.width) {
    width = input.width;
    height = input.height;
  }
  return { width: evenFloor(width), height: evenFloor(height), scale: evenFloor(width) / input.width };
}

/** UPSCALE: a Lanczos-3 resize to `upscaleTarget`. Output: PNG, same channels as the input. */
export async function upscale(
  image: Uint8Array,
  params: { template: Pick<ModelTemplate, 'subjectScale'>; aspectRatio: string },
): Promise<ImageOutput & { scale: number }> {
  let metadata: Metadata;
  try {
    metadata = await sharp(image).metadata();
  } catch (error) {
    throw asMediaError(error, 'the image could not be decoded');
  }
  // The pipeline hands over oriented PNGs; autoOrient keeps a raw upload's EXIF rotation right too.
  const input: Size = { width: metadata.autoOrient.width, height: metadata.autoOrient.height };
  const target = upscaleTarget(input, params.template, params.aspectRatio);
  const resize = target.width !== input.width || target.height !== input.height;
  // Already as large as the box needs (a large upload): handed on as it is, not re-encoded.
  if (!resize && isPlainPng(metadata)) return { ...unchangedPng(image, metadata), scale: target.scale };
  const pipeline = sharp(image, { failOn: 'error' }).autoOrient().toColourspace('srgb');
  if (resize) pipeline.resize(target.width, target.height, { fit: 'fill', kernel: 'lanczos3' });
  const output = await toPng(pipeline, 'the image could not be upscaled');
  return { ...output, scale: target.scale };
}
