import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { ffmpegPath } from '../../src/media/ffmpeg.ts';
import { teeFrames } from '../../src/media/frame-tee.ts';
import { toYuva, YuvaCanvas } from '../../src/media/yuva-frame.ts';

/**
 * An RGBA image like a subject: every channel a gradient, alpha with a hard edge. (On detail finer
 * than two pixels the chroma differs more: swscale subsamples vertically with its bicubic filter,
 * toYuva takes the mean of each 2×2 block.)
 */
function testImage(width: number, height: number) {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      data[at] = x * 4;
      data[at + 1] = y * 6;
      data[at + 2] = 255 - 2 * (x + y);
      data[at + 3] = x < 3 ? 0 : Math.min(255, 40 + x * y);
    }
  }
  return { data, width, height };
}

/** What ffmpeg made of RGBA frames until now (swscale, as the clip's `-vf` did): the yuva420p planes. */
async function swscaleYuva(rgba: Buffer, width: number, height: number): Promise<Buffer> {
  const run = promisify(execFile);
  const child = run(
    ffmpegPath,
    [
      '-v',
      'error',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgba',
      '-s',
      `${width}x${height}`,
      '-i',
      'pipe:0',
      '-vf',
      'scale=out_color_matrix=bt709:out_range=tv,format=yuva420p',
      '-f',
      'rawvideo',
      'pipe:1',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  child.child.stdin!.end(rgba);
  return (await child).stdout;
}

/** The largest difference between two planes of `width` samples a row, leaving out `margin` samples at every edge. */
function maxDifference(a: Uint8Array, b: Uint8Array, width: number, margin = 0): number {
  expect(a.length).toBe(b.length);
  const height = a.length / width;
  let max = 0;
  for (let y = margin; y < height - margin; y++) {
    for (let x = margin; x < width - margin; x++) max = Math.max(max, Math.abs(a[y * width + x]! - b[y * width + x]!));
  }
  return max;
}

describe('toYuva', () => {
  test.each([
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ] as const)('matches what swscale made of the same RGBA, shifted by (%i, %i)', async (shiftX, shiftY) => {
    const image = testImage(63, 41);
    const yuva = toYuva(image, shiftX, shiftY);
    // The same image on a transparent black canvas of the even size, at the shift: swscale's input.
    const canvas = Buffer.alloc(yuva.width * yuva.height * 4);
    for (let y = 0; y < image.height; y++) {
      image.data.copy(canvas, ((y + shiftY) * yuva.width + shiftX) * 4, y * image.width * 4, (y + 1) * image.width * 4);
    }
    const expected = await swscaleYuva(canvas, yuva.width, yuva.height);
    const luma = yuva.width * yuva.height;
    const u = expected.subarray(luma, luma * 1.25);
    const v = expected.subarray(luma * 1.25, luma * 1.5);
    expect(maxDifference(yuva.y, expected.subarray(0, luma), yuva.width)).toBeLessThanOrEqual(1);
    expect(maxDifference(yuva.a, expected.subarray(luma * 1.5), yuva.width)).toBe(0);
    // Chroma: the same inside; next to the image's edge, where it meets the canvas's black (and its
    // alpha is what shows), swscale's bicubic reaches across the edge and a 2×2 mean does not.
    expect(maxDifference(yuva.u, u, yuva.width / 2, 2)).toBeLessThanOrEqual(1);
    expect(maxDifference(yuva.v, v, yuva.width / 2, 2)).toBeLessThanOrEqual(1);
    expect(maxDifference(yuva.u, u, yuva.width / 2)).toBeLessThanOrEqual(12);
    expect(maxDifference(yuva.v, v, yuva.width / 2)).toBeLessThanOrEqual(12);
  });
});

describe('YuvaCanvas', () => {
  test('draws an image clipped to the frame and clears back to transparent black', () => {
    const canvas = new YuvaCanvas({ width: 8, height: 4 });
    canvas.clear();
    const image = toYuva({ data: Buffer.alloc(4 * 4 * 4, 255), width: 4, height: 4 }, 0, 0);
    canvas.draw(image, 6, -2);
    const luma = (x: number, y: number) => canvas.buffer[y * 8 + x];
    const alpha = (x: number, y: number) => canvas.buffer[8 * 4 * 1.5 + y * 8 + x];
    expect([luma(6, 0), luma(7, 1), alpha(7, 1)]).toEqual([235, 235, 255]);
    expect([luma(5, 0), luma(6, 2), alpha(6, 2), alpha(0, 0)]).toEqual([16, 16, 0, 0]);
    canvas.clear();
    expect(alpha(6, 0)).toBe(0);
  });
});

describe('teeFrames', () => {
  test('each reader gets every frame, and the source is asked for the next only once all have taken the last', async () => {
    const asked: number[] = [];
    const taken: string[] = [];
    async function* source() {
      for (let i = 0; i < 3; i++) {
        asked.push(i);
        yield i;
      }
    }
    const [a, b] = teeFrames(source(), 2);
    const read = async (name: string, reader: AsyncIterable<number>, delayMs: number) => {
      for await (const frame of reader) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        taken.push(`${name}${frame}`);
        // The slower reader has not taken this frame yet when the faster one asks again: the source must wait.
        expect(asked.length).toBeLessThanOrEqual(frame + 1);
      }
    };
    await Promise.all([read('a', a!, 1), read('b', b!, 15)]);
    expect(taken.filter((t) => t.startsWith('a'))).toEqual(['a0', 'a1', 'a2']);
    expect(taken.filter((t) => t.startsWith('b'))).toEqual(['b0', 'b1', 'b2']);
  });

  test('a reader that stops no longer holds the other back; the source closes when both stopped', async () => {
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; i < 100; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const [a, b] = teeFrames(source(), 2);
    const readUntil = async (reader: AsyncIterable<number>, last: number) => {
      const seen: number[] = [];
      for await (const frame of reader) {
        seen.push(frame);
        if (frame === last) break;
      }
      return seen;
    };
    const [firstOfA, seenByB] = await Promise.all([readUntil(a!, 1), readUntil(b!, 50)]);
    expect(firstOfA).toEqual([0, 1]);
    expect(seenByB.at(-1)).toBe(50);
    expect(closed).toBe(true);
  });
});
