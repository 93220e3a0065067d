import { MediaError } from './errors.ts';
import type { ModelTemplate } from './template.ts';

export interface Size {
  width: number;
  height: number;
}

/**
 * The model frame of an aspect ratio: long side 1920 px, both sides even (H.264 with yuv420p needs
 * that), so "16:9" → 1920x1080. A malformed ratio is a MediaError.
 */
export function frameFor(aspectRatio: string): Size {
  const match = /^(\d{1,4}):(\d{1,4})$/.exec(aspectRatio);
  const w = Number(match?.[1]);
  const h = Number(match?.[2]);
  if (!match || w === 0 || h === 0) {
    throw new MediaError(`aspect ratio ${JSON.stringify(aspectRatio)} is not of the form "W:H"`);
  }
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return w >= h ? { width: 1920, height: even((1920 * h) / w) } : { width: even((1920 * w) / h), height: 1920 };
}

/**
 * The box the subject is fitted into, centred in the frame: the frame scaled by
 * `template.subjectScale` on both sides, each side rounded down to an even number. For
 * subjectScale 0.7: 16:9 → 1344x756, 9:16 → 756x1344, 1:1 → 1344x1344, 4:5 (1536x1920) → 1074x1344.
 * UPSCALE fills it; CREATE_MEDIA places the subject in it (shrinking only what is larger).
 */
export function subjectBox(template: Pick<ModelTemplate, 'subjectScale'>, aspectRatio: string): Size {
  const frame = frameFor(aspectRatio);
  const scale = template.subjectScale;
  if (!(scale > 0 && scale <= 1)) throw new MediaError(`subjectScale ${scale} is not in (0, 1]`);
  return { width: evenFloor(frame.width * scale), height: evenFloor(frame.height * scale) };
}

/** `size` shrunk (never enlarged) to fit inside `box`, keeping its aspect ratio. */
export function fitInside(size: Size, box: Size): Size {
  if (size.width <= box.width && size.height <= box.height) return { ...size };
  // Integer products keep exact ratios exact (1344 * 300 / 400 is 1008, not 1007.9999).
  if (box.width * size.height <= box.height * size.width) {
    return { width: box.width, height: Math.max(1, Math.floor((size.height * box.width) / size.width)) };
  }
  return { width: Math.max(1, Math.floor((size.width * box.height) / size.height)), height: box.height };
}

export function evenFloor(value: number): number {
  return Math.max(2, Math.floor(value / 2) * 2);
}

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** "#rrggbb" or "#rgb"; the templates are ours, but a typo should fail loudly, not render black. */
export function parseHexColor(color: string): Rgb {
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(color);
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  const parts = long ? long.slice(1) : short ? short.slice(1).map((c) => c + c) : undefined;
  if (!parts) throw new MediaError(`colour ${JSON.stringify(color)} is not #rrggbb`);
  const [r, g, b] = parts.map((hex) => parseInt(hex, 16)) as [number, number, number];
  return { r, g, b };
}

export function mixColor(from: Rgb, to: Rgb, t: number): Rgb {
  return {
    r: Math.round(from.r + (to.r - from.r) * t),
    g: Math.round(from.g + (to.g - from.g) * t),
    b: Math.round(from.b + (to.b - from.b) * t),
  };
}
