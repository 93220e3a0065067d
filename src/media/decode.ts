import sharp, { type Metadata, type Sharp } from 'sharp';
import { MediaError } from './errors.ts';
import { fitInside, type Size } from './layout.ts';
import type { ImageOutput } from './types.ts';

/** REPLACE_ALPHA_WITH_GRAY's background, #808080, as one channel's value. */
export const FLATTEN_GRAY = 128;

// libvips' operation cache keeps recent results (up to 50 MB and 100 operations by default): no
// help to a pipeline that never repeats an operation on the same image, and with two 40-megapixel
// runs at once it pushed a worker's RSS past 500 MB. Process-wide, as the cache itself is.
sharp.cache(false);

/**
 * A sharp pipeline over an input image, oriented as it is displayed (EXIF orientation applied)
 * and in 8-bit sRGB, so every step sees the pixels the customer saw.
 */
export function openImage(image: Uint8Array): Sharp {
  return sharp(image, { failOn: 'error' }).autoOrient().toColourspace('srgb');
}

/** Runs a sharp pipeline to a PNG; a decoding failure becomes an INVALID_INPUT MediaError. */
export async function toPng(pipeline: Sharp, what: string): Promise<ImageOutput> {
  try {
    const { data, info } = await pipeline.png().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, contentType: 'image/png' };
  } catch (error) {
    throw asMediaError(error, what);
  }
}

/**
 * The image is already what a step writes when it changes no pixel: an 8-bit sRGB PNG without an
 * ICC profile, shown as stored (no EXIF rotation). Such a step hands its input on as it is,
 * rather than decoding and encoding a PNG of up to 40 megapixels for nothing.
 */
export function isPlainPng(metadata: Metadata): boolean {
  return (
    metadata.format === 'png' &&
    metadata.space === 'srgb' &&
    metadata.depth === 'uchar' &&
    !metadata.hasProfile &&
    (metadata.orientation ?? 1) === 1
  );
}

/** A plain PNG (see isPlainPng) as a step's output, unchanged. */
export function unchangedPng(image: Uint8Array, metadata: Metadata): ImageOutput {
  return {
    data: Buffer.from(image.buffer, image.byteOffset, image.byteLength),
    width: metadata.width,
    height: metadata.height,
    contentType: 'image/png',
  };
}

export interface RawImage extends Size {
  /** RGBA, 4 bytes a pixel. */
  data: Buffer;
}

/**
 * The subject as raw RGBA, shrunk (never enlarged) with Lanczos to fit `box`.
 *
 * With `matte`, the subject is taken to be that image flattened onto gray (REPLACE_ALPHA_WITH_GRAY,
 * then maybe resized by UPSCALE): the matte's alpha, resized to the same size, is put back, and the
 * gray is taken out of the colours (c = (g − gray·(1 − a)) / a). Resizing is linear, so this gives
 * the colours a resize of the unflattened image would have: soft edges show no gray fringe. An
 * opaque matte leaves the subject opaque.
 */
export async function loadSubjectRgba(subject: string | Uint8Array, box: Size, matte?: Uint8Array): Promise<RawImage> {
  try {
    const pipeline = sharp(subject, { failOn: 'error' }).autoOrient().toColourspace('srgb');
    const metadata = await pipeline.metadata();
    const size = fitInside(metadata.autoOrient, box);
    const resized = (image: Sharp) =>
      size.width !== metadata.autoOrient.width || size.height !== metadata.autoOrient.height
        ? image.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
        : image;
    const alpha = matte ? await matteAlpha(matte, size) : undefined;
    if (!alpha) {
      const { data, info } = await resized(pipeline).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height };
    }
    const { data, info } = await resized(pipeline.removeAlpha()).raw().toBuffer({ resolveWithObject: true });
    return { data: unflatten(data, alpha, info.channels), width: info.width, height: info.height };
  } catch (error) {
    throw asMediaError(error, 'the subject image could not be decoded');
  }
}

/** The matte's alpha at `size` (one byte a pixel), or undefined when the matte is opaque. */
async function matteAlpha(matte: Uint8Array, size: Size): Promise<Buffer | undefined> {
  const image = sharp(matte, { failOn: 'error' }).autoOrient();
  const metadata = await image.metadata();
  if (!metadata.hasAlpha) return undefined;
  return image
    .extractChannel((metadata.channels - 1) as 1 | 3)
    .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
}

/** RGBA from colours flattened onto FLATTEN_GRAY and their alpha. */
function unflatten(flattened: Buffer, alpha: Buffer, channels: number): Buffer {
  const rgba = Buffer.alloc(alpha.length * 4);
  // A clamped view rounds and clamps on assignment: gray-ish edges may compute a little out of range.
  const out = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length);
  for (let pixel = 0; pixel < alpha.length; pixel += 1) {
    const a = alpha[pixel]!;
    const to = pixel * 4;
    out[to + 3] = a;
    if (a === 0) continue;
    const from = pixel * channels;
    const grayShare = FLATTEN_GRAY * (255 - a);
    out[to] = (flattened[from]! * 255 - grayShare) / a;
    out[to + 1] = (flattened[from + 1]! * 255 - grayShare) / a;
    out[to + 2] = (flattened[from + 2]! * 255 - grayShare) / a;
  }
  return rgba;
}

export function asMediaError(error: unknown, what: string): MediaError {
  if (error instanceof MediaError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new MediaError(`${what}: ${reason}`, 'INVALID_INPUT', { cause: error });
}
