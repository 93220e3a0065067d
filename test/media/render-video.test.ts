import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FfmpegError, MediaAbortedError } from '../../src/media/errors.ts';
import { renderClipAndVideo } from '../../src/media/render-video.ts';
import { findModel, type ModelTemplate } from '../../src/modules/models/models.ts';
import { ffmpegChildren, solidPng } from '../helpers/media.ts';

// The two encoders of a VIDEO run's one pass stand or fall together.
const newYear = findModel('vim_new_year_2026')!.template;
// Long enough that nothing finishes before the test stops it.
const long: ModelTemplate = { ...newYear, durationMs: 120_000 };

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'framewright-render-video-'));
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
