import os from 'node:os';
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

/** Where each of an RGBA pixel's bytes sits in the 32-bit word read at once. */
const [R, G, B, A] = os.endianness() === 'LE' ? [0, 8, 16, 24] : [24, 16, 8, 0];

/** What a fully transparent pixel is in each plane: black at zero alpha, as swscale makes of RGBA (0, 0, 0, 0). */
const CLEAR = { y: 16, u: 128, v: 128, a: 0 } as const;

/**
 * `image` (RGBA) converted with its top-left corner at (shiftX, shiftY) of an even-sized box, the
 * rest transparent: a copy for each parity of the position it is drawn at, so that every copy
 * into a frame starts on a chroma sample. Chroma is the mean of each 2×2 block's RGB, as
 * swscale's default filter for 4:2:0 takes it, alpha ignored as swscale ignores it.
 *
 * The image is first copied row by row (native copies) into a zeroed RGBA box of the output's
 * size, so that one pass over whole 2×2 blocks, with no edge cases, makes all four planes: the
 * pixels around the image are transparent black, as they are on the canvas. A pixel at a time,
 * with the chroma summed apart, took twice the CPU (about 30 ms a megapixel), and the zoom
 * converts one image per size, 36 of them.
 */
export function toYuva(image: RawImage, shiftX: 0 | 1, shiftY: 0 | 1): YuvaImage {
  const width = image.width + shiftX + ((image.width + shiftX) % 2);
  const height = image.height + shiftY + ((image.height + shiftY) % 2);
  const boxed = new Uint8Array(width * height * 4);
  const rowBytes = image.width * 4;
  for (let sy = 0; sy < image.height; sy += 1) {
    const from = sy * rowBytes;
    boxed.set(image.data.subarray(from, from + rowBytes), ((sy + shiftY) * width + shiftX) * 4);
  }
  // One load per pixel, signed so that V8 keeps it a small integer.
  const pixels = new Int32Array(boxed.buffer);
  const luma = new Uint8Array(width * height);
  const alpha = new Uint8Array(width * height);
  const chromaWidth = width / 2;
  const u = new Uint8Array((chromaWidth * height) / 2);
  const v = new Uint8Array((chromaWidth * height) / 2);
  for (let y = 0, block = 0; y < height; y += 2) {
    for (let top = y * width, bottom = top + width, end = top + width; top < end; top += 2, bottom += 2, block += 1) {
      const p0 = pixels[top]!;
      const p1 = pixels[top + 1]!;
      const p2 = pixels[bottom]!;
      const p3 = pixels[bottom + 1]!;
      const r0 = (p0 >>> R) & 0xff;
      const g0 = (p0 >>> G) & 0xff;
      const b0 = (p0 >>> B) & 0xff;
      const r1 = (p1 >>> R) & 0xff;
      const g1 = (p1 >>> G) & 0xff;
      const b1 = (p1 >>> B) & 0xff;
      const r2 = (p2 >>> R) & 0xff;
      const g2 = (p2 >>> G) & 0xff;
      const b2 = (p2 >>> B) & 0xff;
      const r3 = (p3 >>> R) & 0xff;
      const g3 = (p3 >>> G) & 0xff;
      const b3 = (p3 >>> B) & 0xff;
      luma[top] = 16 + ((Y_R * r0 + Y_G * g0 + Y_B * b0 + HALF) >> 16);
      luma[top + 1] = 16 + ((Y_R * r1 + Y_G * g1 + Y_B * b1 + HALF) >> 16);
      luma[bottom] = 16 + ((Y_R * r2 + Y_G * g2 + Y_B * b2 + HALF) >> 16);
      luma[bottom + 1] = 16 + ((Y_R * r3 + Y_G * g3 + Y_B * b3 + HALF) >> 16);
      alpha[top] = (p0 >>> A) & 0xff;
      alpha[top + 1] = (p1 >>> A) & 0xff;
      alpha[bottom] = (p2 >>> A) & 0xff;
      alpha[bottom + 1] = (p3 >>> A) & 0xff;
      const r = r0 + r1 + r2 + r3;
      const g = g0 + g1 + g2 + g3;
      const b = b0 + b1 + b2 + b3;
      // The sums are of 4 pixels: a quarter of them, rounded, in the same fixed point.
      u[block] = 128 + ((U_R * r + U_G * g + U_B * b + 2 * FIXED) >> 18);
      v[block] = 128 + ((V_R * r + V_G * g + V_B * b + 2 * FIXED) >> 18);
    }
  }
  return { width, height, y: luma, u, v, a: alpha };
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

/** ffmpeg's input arguments for these frames (or, with `pixFmt`, frames of another layout) on its stdin. */
export function rawYuvaInput(size: Size, fps: number, pixFmt: string = YUVA_PIX_FMT): string[] {
  return ['-f', 'rawvideo', '-pix_fmt', pixFmt, '-s', `${size.width}x${size.height}`, '-framerate', String(fps), '-i', 'pipe:0'];
}

/** The layout of the streams colourFrames and alphaFrames make. */
export const YUV_PIX_FMT = 'yuv420p';

/** The colour of each frame as a `yuv420p` frame: its Y, U and V planes, which lead it. A view, not a copy. */
export async function* colourFrames(frames: AsyncIterable<Uint8Array>, size: Size): AsyncGenerator<Uint8Array> {
  const colourBytes = (size.width * size.height * 3) / 2;
  for await (const frame of frames) yield frame.subarray(0, colourBytes);
}

/**
 * The alpha of each frame as a `yuv420p` frame: its alpha plane as the luma, then neutral chroma,
 * which is how VP8 carries alpha (a second stream, decoded as luma). Two chunks a frame, the
 * plane a view of the frame, the chroma one buffer for all.
 */
export async function* alphaFrames(frames: AsyncIterable<Uint8Array>, size: Size): AsyncGenerator<Uint8Array> {
  const luma = size.width * size.height;
  const neutralChroma = new Uint8Array(luma / 2).fill(128);
  for await (const frame of frames) {
    yield frame.subarray((luma * 3) / 2);
    yield neutralChroma;
  }
}
