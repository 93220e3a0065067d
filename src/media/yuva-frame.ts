import type { RawImage } from './decode.ts';
import type { Size } from './layout.ts';

/**
 * Frames handed to ffmpeg as planar YUVA 4:2:0 (BT.709, limited range, straight alpha), the
 * pixel format both encoders of a VIDEO run take. Converting in ffmpeg instead (swscale, rgba to
 * yuva420p) cost 1.4 CPU-seconds a clip, paid once per encoder; here each distinct subject image
 * is converted once and then only copied, plane by plane, into the frames.
 */
export const YUVA_PIX_FMT = 'yuva420p';

/** An image in the four planes, with even width and height so that its chroma lines up with the frame's. */
export interface YuvaImage extends Size {
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
  a: Uint8Array;
}

// BT.709 in 16.16 fixed point, full-range RGB to limited-range YCbCr (ITU-R BT.709-6, table 3).
const FIXED = 1 << 16;
const HALF = FIXED / 2;
const Y_R = Math.round(((219 * 0.2126) / 255) * FIXED);
const Y_G = Math.round(((219 * 0.7152) / 255) * FIXED);
const Y_B = Math.round(((219 * 0.0722) / 255) * FIXED);
const U_R = Math.round(((224 * -0.2126) / 1.8556 / 255) * FIXED);
const U_G = Math.round(((224 * -0.7152) / 1.8556 / 255) * FIXED);
const U_B = Math.round(((224 * 0.5) / 255) * FIXED);
const V_R = Math.round(((224 * 0.5) / 255) * FIXED);
const V_G = Math.round(((224 * -0.7152) / 1.5748 / 255) * FIXED);
const V_B = Math.round(((224 * -0.0722) / 1.5748 / 255) * FIXED);

/** What a fully transparent pixel is in each plane: black at zero alpha, as swscale makes of RGBA (0, 0, 0, 0). */
const CLEAR = { y: 16, u: 128, v: 128, a: 0 } as const;

/**
 * `image` (RGBA) converted with its top-left corner at (shiftX, shiftY) of an even-sized box, the
 * rest transparent: a copy for each parity of the position it is drawn at, so that every copy
 * into a frame starts on a chroma sample. Chroma is the mean of each 2×2 block's RGB, as
 * swscale's default filter for 4:2:0 takes it, alpha ignored as swscale ignores it.
 */
export function toYuva(image: RawImage, shiftX: 0 | 1, shiftY: 0 | 1): YuvaImage {
  const width = image.width + shiftX + ((image.width + shiftX) % 2);
  const height = image.height + shiftY + ((image.height + shiftY) % 2);
  const out = blankYuva({ width, height });
  const chromaWidth = width / 2;
  // RGB sums of each 2×2 block; a block's pixels outside the image count as black, as they are on the canvas.
  const sums = new Int32Array(((chromaWidth * height) / 2) * 3);
  const { data: rgba, width: imageWidth } = image;
  const { y: luma, a: alpha } = out;
  for (let sy = 0; sy < image.height; sy += 1) {
    const y = sy + shiftY;
    let from = sy * imageWidth * 4;
    let to = y * width + shiftX;
    const blockRow = (y >> 1) * chromaWidth;
    const last = imageWidth + shiftX - 1;
    // A block's two pixels of this row are summed here and added to its sums once.
    let pairR = 0;
    let pairG = 0;
    let pairB = 0;
    for (let x = shiftX; x <= last; x += 1, from += 4, to += 1) {
      const r = rgba[from]!;
      const g = rgba[from + 1]!;
      const b = rgba[from + 2]!;
      luma[to] = 16 + ((Y_R * r + Y_G * g + Y_B * b + HALF) >> 16);
      alpha[to] = rgba[from + 3]!;
      pairR += r;
      pairG += g;
      pairB += b;
      if ((x & 1) === 1 || x === last) {
        const block = (blockRow + (x >> 1)) * 3;
        sums[block]! += pairR;
        sums[block + 1]! += pairG;
        sums[block + 2]! += pairB;
        pairR = 0;
        pairG = 0;
        pairB = 0;
      }
    }
  }
  for (let block = 0, at = 0; block < out.u.length; block += 1, at += 3) {
    const r = sums[at]!;
    const g = sums[at + 1]!;
    const b = sums[at + 2]!;
    // The sums are of 4 pixels: a quarter of them, rounded, in the same fixed point.
    out.u[block] = 128 + ((U_R * r + U_G * g + U_B * b + 2 * FIXED) >> 18);
    out.v[block] = 128 + ((V_R * r + V_G * g + V_B * b + 2 * FIXED) >> 18);
  }
  return out;
}

function blankYuva(size: Size): YuvaImage {
  const luma = size.width * size.height;
  return {
    ...size,
    y: new Uint8Array(luma).fill(CLEAR.y),
    u: new Uint8Array(luma / 4).fill(CLEAR.u),
    v: new Uint8Array(luma / 4).fill(CLEAR.v),
    a: new Uint8Array(luma).fill(CLEAR.a),
  };
}

/**
 * One frame buffer in ffmpeg's `yuva420p` rawvideo layout (the Y, U, V and A planes one after
 * the other), reused frame after frame.
 */
export class YuvaCanvas {
  readonly buffer: Buffer;
  private readonly planes: YuvaImage;
  private readonly size: Size;

  constructor(size: Size) {
    if (size.width % 2 !== 0 || size.height % 2 !== 0)
      throw new Error(`a 4:2:0 frame needs an even size, not ${size.width}x${size.height}`);
    this.size = size;
    const luma = size.width * size.height;
    this.buffer = Buffer.alloc(luma * 2 + luma / 2);
    this.planes = {
      ...size,
      y: this.buffer.subarray(0, luma),
      u: this.buffer.subarray(luma, luma + luma / 4),
      v: this.buffer.subarray(luma + luma / 4, luma + luma / 2),
      a: this.buffer.subarray(luma + luma / 2),
    };
  }

  clear(): void {
    this.planes.y.fill(CLEAR.y);
    this.planes.u.fill(CLEAR.u);
    this.planes.v.fill(CLEAR.v);
    this.planes.a.fill(CLEAR.a);
  }

  /** Copies `image` with its top-left corner at (left, top), both even, clipped to the frame. */
  draw(image: YuvaImage, left: number, top: number): void {
    const x0 = Math.max(0, left);
    const x1 = Math.min(this.size.width, left + image.width);
    const y0 = Math.max(0, top);
    const y1 = Math.min(this.size.height, top + image.height);
    if (x0 >= x1 || y0 >= y1) return;
    copyRect(this.planes.y, this.size.width, image.y, image.width, { x0, x1, y0, y1, left, top });
    copyRect(this.planes.a, this.size.width, image.a, image.width, { x0, x1, y0, y1, left, top });
    const half = { x0: x0 / 2, x1: x1 / 2, y0: y0 / 2, y1: y1 / 2, left: left / 2, top: top / 2 };
    copyRect(this.planes.u, this.size.width / 2, image.u, image.width / 2, half);
    copyRect(this.planes.v, this.size.width / 2, image.v, image.width / 2, half);
  }
}

interface Rect {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  left: number;
  top: number;
}

function copyRect(target: Uint8Array, targetWidth: number, source: Uint8Array, sourceWidth: number, rect: Rect): void {
  for (let y = rect.y0; y < rect.y1; y += 1) {
    const from = (y - rect.top) * sourceWidth + (rect.x0 - rect.left);
    target.set(source.subarray(from, from + (rect.x1 - rect.x0)), y * targetWidth + rect.x0);
  }
}

/** ffmpeg's input arguments for these frames on its stdin. */
export function rawYuvaInput(size: Size, fps: number): string[] {
  return ['-f', 'rawvideo', '-pix_fmt', YUVA_PIX_FMT, '-s', `${size.width}x${size.height}`, '-framerate', String(fps), '-i', 'pipe:0'];
}
