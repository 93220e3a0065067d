import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FfmpegError, MediaAbortedError, MediaError } from '../../src/media/errors.ts';
import { runFfmpeg } from '../../src/media/ffmpeg.ts';
import { probeVideo } from '../../src/media/probe.ts';
import { renderClip } from '../../src/media/render-clip.ts';
import { renderClipAndVideo } from '../../src/media/render-video.ts';
import { overlayVideo } from '../../src/media/video-overlay.ts';
import { findModel, type ModelTemplate } from '../../src/modules/models/models.ts';
import { ffmpegChildren, solidPng } from '../helpers/media.ts';

const newYear = findModel('vim_new_year_2026')!.template;
// Long enough that nothing finishes before the test aborts it.
const long: ModelTemplate = { ...newYear, durationMs: 120_000 };

let workDir: string;
let smallClip: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'framewright-ffmpeg-'));
  smallClip = path.join(workDir, 'small.webm');
  // A tiny translucent clip: the overlay's cost is then all in the 1920x1080 background and encode.
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'color=c=red@0.5:s=64x64:r=30:d=1,format=rgba',
    '-c:v',
    'libvpx',
    '-pix_fmt',
    'yuva420p',
    '-auto-alt-ref',
    '0',
    '-y',
    smallClip,
  ]);
});
afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('abort', () => {
  test('aborting the overlay mid-encode kills ffmpeg and rejects with an AbortError', async () => {
    const controller = new AbortController();
    const progress: number[] = [];
    let running: number[] = [];
    const error = await rejection(
      overlayVideo(
        { clipPath: smallClip, outputPath: path.join(workDir, 'aborted.mp4'), template: long, aspectRatio: '16:9' },
        {
          signal: controller.signal,
          onProgress: (fraction) => {
            progress.push(fraction);
            if (progress.length > 1) return;
            // First prove the encode is running (and that the helper would see a leftover), then cancel.
            void ffmpegChildren().then((found) => {
              running = found;
              controller.abort(new Error('canceled by the test'));
            });
          },
        },
      ),
    );
    expect(running).toHaveLength(1);
    expect(progress[0]).toBeLessThan(0.5);
    expect(error).toBeInstanceOf(MediaAbortedError);
    expect((error as MediaAbortedError).name).toBe('AbortError');
    expect((error as MediaAbortedError).code).toBe('ABORTED');
    expect(await ffmpegChildren()).toEqual([]);
  });

  test('aborting the clip while frames are being piped in kills ffmpeg too', async () => {
    const controller = new AbortController();
    const subject = await solidPng(600, 400, { r: 200, g: 100, b: 50 });
    const error = await rejection(
      renderClip(
        { subject, outputPath: path.join(workDir, 'aborted.webm'), template: long, aspectRatio: '16:9' },
        { signal: controller.signal, onProgress: () => controller.abort() },
      ),
    );
    expect(error).toBeInstanceOf(MediaAbortedError);
    expect(await ffmpegChildren()).toEqual([]);
  });

  test('an already aborted signal rejects without starting anything', async () => {
    const error = await rejection(
      runFfmpeg(['-f', 'lavfi', '-i', 'color=s=64x64:d=1', '-f', 'null', '-'], { signal: AbortSignal.abort() }),
    );
    expect(error).toBeInstanceOf(MediaAbortedError);
  });
});

describe('stdin', () => {
  test('a source may refill one buffer for every chunk: each is in the pipe before the next is asked for', async () => {
    // Small chunks, many more than the pipe holds while ffmpeg starts: a chunk still queued in the
    // stream when the source refills the buffer would come out with a later chunk's bytes.
    const side = 32;
    const count = 200;
    async function* refilled(): AsyncGenerator<Buffer> {
      const frame = Buffer.alloc(side * side);
      for (let index = 0; index < count; index += 1) {
        frame.fill(index);
        yield frame;
      }
    }
    const output = path.join(workDir, 'refilled.gray');
    await runFfmpeg(['-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${side}x${side}`, '-i', 'pipe:0', '-f', 'rawvideo', '-y', output], {
      stdin: refilled(),
    });
    const bytes = await readFile(output);
    expect(bytes.length).toBe(count * side * side);
    const firstByteOfEach = Array.from({ length: count }, (_, index) => bytes[index * side * side]);
    expect(firstByteOfEach).toEqual(Array.from({ length: count }, (_, index) => index));
    expect(bytes.every((value, offset) => value === Math.floor(offset / (side * side)))).toBe(true);
  });
});

describe('failures', () => {
  test('a time limit kills ffmpeg with a TIMEOUT error', async () => {
    const error = await rejection(
      runFfmpeg(['-re', '-f', 'lavfi', '-i', 'testsrc=s=320x240:r=30:d=60', '-f', 'null', '-'], { timeoutMs: 500 }),
    );
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as FfmpegError).code).toBe('TIMEOUT');
    expect(await ffmpegChildren()).toEqual([]);
  });

  test("a bad input fails with ffmpeg's own words from stderr in the message", async () => {
    const garbage = path.join(workDir, 'garbage.mp4');
    await writeFile(garbage, 'this is not a video, just some text pretending to be one');
    const error = await rejection(runFfmpeg(['-i', garbage, '-f', 'null', '-']));
    expect(error).toBeInstanceOf(FfmpegError);
    const failure = error as FfmpegError;
    expect(failure.code).toBe('FFMPEG_FAILED');
    expect(failure.exitCode).not.toBe(0);
    expect(failure.stderrTail.join('\n')).toMatch(/Invalid data found when processing input/);
    expect(failure.message).toContain(failure.stderrTail.at(-1));
    expect(failure.stderrTail.length).toBeLessThanOrEqual(20);
  });

  test('keeps only the last 20 lines of a long stderr, and they are the ones that matter', async () => {
    const output = path.join(workDir, 'no-such-dir', 'out.mp4');
    // Debug logging writes ~35 lines of setup before the output fails to open.
    const error = await rejection(runFfmpeg(['-loglevel', 'debug', '-f', 'lavfi', '-i', 'testsrc=s=64x64:d=1', '-f', 'mp4', '-y', output]));
    expect(error).toBeInstanceOf(FfmpegError);
    const { stderrTail } = error as FfmpegError;
    expect(stderrTail).toHaveLength(20);
    expect(stderrTail.at(-1)).toBe(`${output}: No such file or directory`);
  });

  test('the overlay of a clip that is not a video is a MediaError that says why', async () => {
    const garbage = path.join(workDir, 'garbage.webm');
    await writeFile(garbage, Buffer.alloc(4096, 7));
    const error = await rejection(
      overlayVideo({ clipPath: garbage, outputPath: path.join(workDir, 'never.mp4'), template: newYear, aspectRatio: '16:9' }),
    );
    expect(error).toBeInstanceOf(MediaError);
    expect((error as Error).message).toMatch(/Invalid data found|no video stream/);
  });

  test('probing a missing file fails with the path in the message', async () => {
    const missing = path.join(workDir, 'missing.mp4');
    const error = await rejection(probeVideo(missing));
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as Error).message).toContain(missing);
  });
});

// The two encoders of a VIDEO run's one pass stand or fall together.
describe('renderClipAndVideo', () => {
  test('aborting mid-encode kills both ffmpeg processes and rejects with an AbortError', async () => {
    const controller = new AbortController();
    const subject = await solidPng(600, 400, { r: 200, g: 100, b: 50 });
    const error = await rejection(
      renderClipAndVideo(
        {
          subject,
          outputPath: path.join(workDir, 'aborted.webm'),
          videoPath: path.join(workDir, 'aborted.mp4'),
          template: long,
          aspectRatio: '16:9',
        },
        { signal: controller.signal, onProgress: () => controller.abort() },
      ),
    );
    expect(error).toBeInstanceOf(MediaAbortedError);
    expect(await ffmpegChildren()).toEqual([]);
  });

  test("one encoder failing stops the other, and the failure is the one reported, not the other's abort", async () => {
    const subject = await solidPng(600, 400, { r: 200, g: 100, b: 50 });
    const error = await rejection(
      renderClipAndVideo({
        subject,
        outputPath: path.join(workDir, 'stopped.webm'),
        // A folder that does not exist: the MP4's ffmpeg cannot open its output and exits.
        videoPath: path.join(workDir, 'no-such-folder', 'failed.mp4'),
        template: long,
        aspectRatio: '16:9',
      }),
    );
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as FfmpegError).message).toMatch(/ffmpeg failed with exit code/);
    expect(await ffmpegChildren()).toEqual([]);
  });
});
