import sharp, { type Sharp } from 'sharp';
import { MediaError } from './errors.ts';
import { fitInside, type Size } from './layout.ts';
import type { ImageOutput } from './types.ts';

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

export interface RawImage extends Size {
  /** RGBA, 4 bytes a pixel. */
  data: Buffer;
}

/** The subject as raw RGBA, shrunk (never enlarged) with Lanczos to fit `box`. */
export async function loadSubjectRgba(subject: string | Uint8Array, box: Size): Promise<RawImage> {
  try {
    const pipeline = sharp(subject, { failOn: 'error' }).autoOrient().toColourspace('srgb');
    const metadata = await pipeline.metadata();
    const size = fitInside(metadata.autoOrient, box);
    if (size.width !== metadata.autoOrient.width || size.height !== metadata.autoOrient.height) {
      pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' });
    }
    const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw asMediaError(error, 'the subject image could not be decoded');
  }
}

export function asMediaError(error: unknown, what: string): MediaError {
  if (error instanceof MediaError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new MediaError(`${what}: ${reason}`, 'INVALID_INPUT', { cause: error });
}
