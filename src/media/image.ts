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
 * Decodes the image fully (not only its header), so a truncated or renamed file, or one the
 * pipeline can never process (too small, entirely transparent), is caught here rather than in
 * the pipeline. `maxPixels` is enforced by libvips before it allocates the pixels.
 */
export async function inspectImage(bytes: Uint8Array, maxPixels: number): Promise<ImageInfo> {
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
  let alphaMax: number | undefined;
  try {
    // Statistics read every pixel row (a full decode) but keep only a few numbers per channel.
    const stats = await sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels }).stats();
    alphaMax = metadata.hasAlpha ? stats.channels.at(-1)?.max : undefined;
  } catch {
    throw new InvalidImageError('is damaged: its pixels do not decode');
  }
  if (alphaMax === 0) throw new InvalidImageError('is entirely transparent: there is no subject to crop to');
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
