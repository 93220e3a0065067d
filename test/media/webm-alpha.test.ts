import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input } from 'mediabunny';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MediaError } from '../../src/media/errors.ts';
import { ffmpegPath } from '../../src/media/ffmpeg.ts';
import { probeVideo } from '../../src/media/probe.ts';
import { ivfFrames, muxVp8WithAlpha } from '../../src/media/webm-alpha.ts';
import { decodeFrame, pixelAt } from '../helpers/media.ts';

const run = promisify(execFile);
const size = { width: 64, height: 48, fps: 10 };
let workDir: string;
let colour: Buffer[];
let alpha: Buffer[];

/** 20 frames of a flat picture whose luma is `luma`, as a VP8 IVF stream, a key frame every `keyEvery` frames. */
async function vp8Stream(name: string, luma: number, keyEvery: number): Promise<Buffer[]> {
  const file = path.join(workDir, name);
  await run(ffmpegPath, [
    ...[
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `color=s=${size.width}x${size.height}:r=${size.fps}:d=2,format=yuv420p,lutyuv=y=${luma}:u=128:v=128`,
    ],
    ...['-c:v', 'libvpx', '-g', String(keyEvery), '-keyint_min', String(keyEvery), '-crf', '4', '-b:v', '1M', '-f', 'ivf', '-y', file],
  ]);
  return ivfFrames(await readFile(file));
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'framewright-webm-alpha-'));
  // A gray under an alpha of 160 of 255, key frames at different intervals.
  colour = await vp8Stream('colour.ivf', 120, 4);
  alpha = await vp8Stream('alpha.ivf', 160, 5);
}, 60_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('muxVp8WithAlpha', () => {
  test('the WebM is VP8 with alpha: probed as such, and libvpx decodes the alpha stream as each pixel’s alpha', async () => {
    const output = path.join(workDir, 'muxed.webm');
    await muxVp8WithAlpha({ colour, alpha }, size, output);
    const probe = await probeVideo(output, { countFrames: true });
    expect([probe.codec, probe.width, probe.height, probe.frameCount, probe.hasAlpha]).toEqual(['vp8', 64, 48, 20, true]);
    expect(probe.durationMs).toBe(2_000);
    for (const index of [0, 13, 19]) {
      const frame = await decodeFrame(output, index, workDir, 'libvpx');
      const [, , , a] = pixelAt(frame, 32, 24);
      // The alpha stream's luma is the alpha, give or take the lossy encode.
      expect(Math.abs(a! - 160)).toBeLessThanOrEqual(3);
    }
  });

  test('a frame is a key frame only where both streams have one, so a seek there can decode both', async () => {
    const output = path.join(workDir, 'keys.webm');
    await muxVp8WithAlpha({ colour, alpha }, size, output);
    // Read back by a demuxer, from the container's own flags: ffprobe reports what the VP8 bitstream says.
    const input = new Input({ source: new FilePathSource(output), formats: ALL_FORMATS });
    const packets = new EncodedPacketSink((await input.getPrimaryVideoTrack())!).packets();
    const keys: number[] = [];
    let index = 0;
    for await (const packet of packets) {
      if (packet.type === 'key') keys.push(index);
      index += 1;
    }
    expect(index).toBe(20);
    // Colour keys at 0, 4, 8, 12, 16; alpha keys at 0, 5, 10, 15: both only at 0.
    expect(keys).toEqual([0]);
  });

  test('streams of different lengths are refused, and no file is left half written', async () => {
    const output = path.join(workDir, 'short.webm');
    const error = await muxVp8WithAlpha({ colour, alpha: alpha.slice(1) }, size, output).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).message).toContain('20 colour and 19 alpha frames');
    await expect(readFile(output)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('a file that is not IVF is refused', () => {
    expect(() => ivfFrames(Buffer.from('RIFF0000WEBPVP8 '))).toThrow(MediaError);
  });
});
