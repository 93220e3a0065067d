import { open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { runFfmpeg } from '../../src/media/ffmpeg.ts';

export interface RawPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

export async function rawPixels(image: Uint8Array | string): Promise<RawPixels> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

export function pixelAt(image: RawPixels, x: number, y: number): number[] {
  const offset = (y * image.width + x) * image.channels;
  return [...image.data.subarray(offset, offset + image.channels)];
}

/** Every channel of `actual` within `tolerance` of `expected` (lossy video is never exact). */
export function near(actual: number[], expected: number[], tolerance: number): boolean {
  return expected.every((value, i) => Math.abs((actual[i] ?? Number.NaN) - value) <= tolerance);
}

export function hex(color: string): number[] {
  return [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
}

/** Frame `index` of a video as RGBA pixels, decoded by ffmpeg (libvpx for VP8 so alpha survives). */
export async function decodeFrame(video: string, index: number, workDir: string, decoder?: string): Promise<RawPixels> {
  const out = path.join(workDir, `frame-${path.basename(video)}-${index}.png`);
  await runFfmpeg([
    ...(decoder ? ['-c:v', decoder] : []),
    '-i',
    video,
    '-vf',
    `select=eq(n\\,${index})`,
    '-frames:v',
    '1',
    '-pix_fmt',
    'rgba',
    '-y',
    out,
  ]);
  return rawPixels(await readFile(out));
}

/** The top-level MP4 boxes in file order, with their byte offsets. */
export async function topLevelBoxes(file: string): Promise<Array<{ type: string; offset: number }>> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const boxes: Array<{ type: string; offset: number }> = [];
    const header = Buffer.alloc(16);
    let offset = 0;
    while (offset + 8 <= size) {
      await handle.read(header, 0, 16, offset);
      let boxSize = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (boxSize === 1) boxSize = Number(header.readBigUInt64BE(8));
      else if (boxSize === 0) boxSize = size - offset;
      if (boxSize < 8) throw new Error(`malformed box ${JSON.stringify(type)} at ${offset}`);
      boxes.push({ type, offset });
      offset += boxSize;
    }
    return boxes;
  } finally {
    await handle.close();
  }
}

/** Live (or zombie) ffmpeg processes whose parent is this test process. */
export async function ffmpegChildren(): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    if (ppid === process.pid && comm.startsWith('ffmpeg')) found.push(Number(entry));
  }
  return found;
}

/** An opaque subject of one colour, `width` x `height`, as PNG. */
export function solidPng(width: number, height: number, color: { r: number; g: number; b: number }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer();
}
