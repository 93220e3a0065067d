import sharp, { type OverlayOptions } from 'sharp';
import { loadSubjectRgba, toPng } from './decode.ts';
import { frameFor, mixColor, parseHexColor, type Size, subjectBox } from './layout.ts';
import type { ModelTemplate } from './template.ts';
import { renderTitle } from './title.ts';
import type { ImageOutput } from './types.ts';

export interface RenderImageParams {
  template: ModelTemplate;
  aspectRatio: string;
  /** The workflow title; drawn only when the template has a title style and this is not blank. */
  title?: string | null;
  /** CROP_TO_CONTENT's output, when the subject is its gray-flattened form: its alpha cuts the subject out. */
  matte?: Uint8Array;
}

/**
 * CREATE_MEDIA for IMAGE. A PNG of exactly the frame size:
 * - background: a vertical gradient from template.background[0] (top row, exact) to [1] (bottom row, exact);
 * - subject: centred in the frame, shrunk to fit subjectBox when larger, never enlarged (UPSCALE did
 *   that), cut out with the matte's alpha when one is given (see loadSubjectRgba);
 * - title: see renderTitle (`titleDrawn: false` when none was drawn).
 */
export async function renderImage(subject: Uint8Array, params: RenderImageParams): Promise<ImageOutput & { titleDrawn: boolean }> {
  const { template, aspectRatio } = params;
  const frame = frameFor(aspectRatio);
  const box = subjectBox(template, aspectRatio);
  const [subjectImage, title] = await Promise.all([
    loadSubjectRgba(subject, box, params.matte),
    renderTitle(params.title, template, frame, box),
  ]);
  const layers: OverlayOptions[] = [
    {
      input: subjectImage.data,
      raw: { width: subjectImage.width, height: subjectImage.height, channels: 4 },
      left: Math.round((frame.width - subjectImage.width) / 2),
      top: Math.round((frame.height - subjectImage.height) / 2),
    },
  ];
  if (title) layers.push({ input: title.png, left: title.left, top: title.top });

  const background = gradient(frame, template.background);
  const output = await toPng(
    sharp(background, { raw: { width: frame.width, height: frame.height, channels: 3 } }).composite(layers),
    'the image could not be rendered',
  );
  return { ...output, titleDrawn: title !== null };
}

/** The frame's background as raw RGB: row y is the mix at y / (height - 1), so both end rows are exact. */
export function gradient(frame: Size, colors: readonly [string, string]): Buffer {
  const top = parseHexColor(colors[0]);
  const bottom = parseHexColor(colors[1]);
  const rowBytes = frame.width * 3;
  const pixels = Buffer.allocUnsafe(rowBytes * frame.height);
  for (let y = 0; y < frame.height; y += 1) {
    const { r, g, b } = mixColor(top, bottom, frame.height > 1 ? y / (frame.height - 1) : 0);
    const start = y * rowBytes;
    pixels[start] = r;
    pixels[start + 1] = g;
    pixels[start + 2] = b;
    // Doubling copies fill the row in log2(width) steps.
    for (let filled = 3; filled < rowBytes; filled *= 2) {
      pixels.copyWithin(start + filled, start, start + Math.min(filled, rowBytes - filled));
    }
  }
  return pixels;
}
