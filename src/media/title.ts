import sharp from 'sharp';
import { parseHexColor, type Size } from './layout.ts';
import type { ModelTemplate } from './template.ts';

/** The title as an RGBA PNG and where its top-left corner goes in the frame. */
export interface TitleSprite {
  png: Buffer;
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The workflow title in the template's style, for both modes: centred in the band below the
 * subject box, `sizeShare` of the frame's shorter side high (at most 80% of the band), at most 90%
 * of the frame wide; a longer title is rendered smaller to fit. Null when the template has no
 * title style, the title is blank, or no font can render it (the media is still worth having).
 */
export async function renderTitle(
  title: string | null | undefined,
  template: Pick<ModelTemplate, 'title'>,
  frame: Size,
  box: Size,
): Promise<TitleSprite | null> {
  const text = title?.trim();
  const style = template.title;
  if (!style || !text) return null;
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
        font: style.font,
        width,
        height,
        align: 'centre',
        wrap: 'word-char',
        rgba: true,
      },
    })
      .png()
      .toBuffer({ resolveWithObject: true });
    // No usable font renders nothing (or throws, below).
    const alpha = (await sharp(data).stats()).channels[3];
    if (!alpha || alpha.max === 0 || info.width > frame.width || info.height > frame.height) return null;
    return {
      png: data,
      width: info.width,
      height: info.height,
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
