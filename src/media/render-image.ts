import sharp, { type OverlayOptions } from 'sharp';
import { loadSubjectRgba, toPng } from './decode.ts';
import { frameFor, mixColor, parseHexColor, type Size, subjectBox } from './layout.ts';
import type { ModelTemplate } from './template.ts';
import type { ImageOutput } from './types.ts';

export interface RenderImageParams {
  template: ModelTemplate;
  aspectRatio: string;
  /** The workflow title; drawn only when the template has a title style and this is not blank. */
  title?: string | null;
}

/**
 * CREATE_MEDIA for IMAGE. A PNG of exactly the frame size:
 * - background: a vertical gradient from template.background[0] (top row, exact) to [1] (bottom row, exact);
 * - subject: centred in the frame, shrunk to fit subjectBox when larger, never enlarged (UPSCALE did that);
 * - title: centred in the band below the subject box, `sizeShare` of the frame's shorter side
 *   high (at most 80% of the band), at most 90% of the frame wide; a longer title is rendered
 *   smaller to fit. When no font can render it, the image is made without it (`titleDrawn: false`).
 */
export async function renderImage(subject: Uint8Array, params: RenderImageParams): Promise<ImageOutput & { titleDrawn: boolean }> {
  const { template, aspectRatio } = params;
  const frame = frameFor(aspectRatio);
  const box = subjectBox(template, aspectRatio);
  const layers: OverlayOptions[] = [await subjectLayer(subject, frame, box)];

  const text = params.title?.trim();
  let titleDrawn = false;
  if (template.title && text) {
    const layer = await titleLayer(text, template.title, frame, box);
    if (layer) {
      layers.push(layer);
      titleDrawn = true;
    }
  }

  const background = gradient(frame, template.background);
  const output = await toPng(
    sharp(background, { raw: { width: frame.width, height: frame.height, channels: 3 } }).composite(layers),
    'the image could not be rendered',
  );
  return { ...output, titleDrawn };
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

async function subjectLayer(subject: Uint8Array, frame: Size, box: Size): Promise<OverlayOptions> {
  const image = await loadSubjectRgba(subject, box);
  return {
    input: image.data,
    raw: { width: image.width, height: image.height, channels: 4 },
    left: Math.round((frame.width - image.width) / 2),
    top: Math.round((frame.height - image.height) / 2),
  };
}

async function titleLayer(
  text: string,
  style: NonNullable<ModelTemplate['title']>,
  frame: Size,
  box: Size,
): Promise<OverlayOptions | null> {
  const { r, g, b } = parseHexColor(style.color);
  const color = `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  const band = (frame.height - box.height) / 2;
  const height = Math.max(8, Math.round(Math.min(style.sizeShare * Math.min(frame.width, frame.height), band * 0.8)));
  const width = Math.round(frame.width * 0.9);
  try {
    // Pango via libvips: with both width and height set it picks the size that fits the box,
    // which an SVG <text> cannot do (it neither measures nor wraps).
    const { data, info } = await sharp({
      text: {
        text: `<span foreground="${color}">${escapeMarkup(text)}</span>`,
        font: 'sans-serif bold',
        width,
        height,
        align: 'centre',
        wrap: 'word-char',
        rgba: true,
      },
    })
      .png()
      .toBuffer({ resolveWithObject: true });
    // No usable font renders nothing (or throws, below): the image is still worth having.
    const alpha = (await sharp(data).stats()).channels[3];
    if (!alpha || alpha.max === 0 || info.width > frame.width || info.height > frame.height) return null;
    return {
      input: data,
      left: Math.round((frame.width - info.width) / 2),
      top: Math.max(0, Math.round(frame.height - band / 2 - info.height / 2)),
    };
  } catch {
    return null;
  }
}

function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
