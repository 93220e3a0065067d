import sharp, { type Metadata } from 'sharp';
import { MIN_IMAGE_SIDE } from './crop-to-content.ts';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff';

export interface ImageInfo {
  format: ImageFormat;
  contentType: string;
  extension: string;
  width: number;
  height: number;
  hasAlpha: boolean;
}

export class InvalidImageError extends Error {
  override name = 'InvalidImageError';
}

const contentTypes: Record<ImageFormat, { contentType: string; extension: string }> = {
  png: { contentType: 'image/png', extension: 'png' },
  jpeg: { contentType: 'image/jpeg', extension: 'jpg' },
  webp: { contentType: 'image/webp', extension: 'webp' },
  avif: { contentType: 'image/avif', extension: 'avif' },
  tiff: { contentType: 'image/tiff', extension: 'tiff' },
};

/**
 * What the image's header says, checked against what the pipeline can ever take: a format it
 * reads, at least MIN_IMAGE_SIDE on each side, at most `maxPixels`. No pixel is decoded: sharp's
 * metadata() reads the header in well under a millisecond, where decoding a 40-megapixel PNG
 * took 1–5 s of a libuv thread. What only the pixels tell (damaged data, an entirely transparent
 * image) is found by the first flow, which fails the run at once as INVALID_INPUT (refunded).
 */
export async function readImageHeader(bytes: Uint8Array, maxPixels: number): Promise<ImageInfo> {
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch {
    throw new InvalidImageError('is not an image sharp can read (PNG, JPEG, WebP, AVIF or TIFF)');
  }
  const format = normaliseFormat(metadata);
  if (!format) throw new InvalidImageError(`is a ${metadata.format ?? 'unknown'} file; send PNG, JPEG, WebP, AVIF or TIFF`);
  const { width, height } = metadata;
  if (!width || !height) throw new InvalidImageError('has no dimensions');
  if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) {
    throw new InvalidImageError(
      `is ${width}x${height} pixels; the smallest image the pipeline takes is ${MIN_IMAGE_SIDE}x${MIN_IMAGE_SIDE}`,
    );
  }
  if (width * height > maxPixels) {
    throw new InvalidImageError(
      `is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} megapixels); the limit is ${maxPixels / 1e6} megapixels`,
    );
  }
  return { format, width, height, hasAlpha: Boolean(metadata.hasAlpha), ...contentTypes[format] };
}

function normaliseFormat(metadata: Metadata): ImageFormat | undefined {
  switch (metadata.format) {
    case 'png':
    case 'jpeg':
    case 'webp':
    case 'tiff':
      return metadata.format;
    case 'heif':
      // libvips reports AVIF as HEIF with the AV1 codec; HEIC (HEVC) is not supported.
      return metadata.compression === 'av1' ? 'avif' : undefined;
    default:
      return undefined;
  }
}
