import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inputImage } from '../../bench/lib/client.ts';
import { runFlowsInScript } from '../../bench/lib/flows-in-script.ts';
import { ffmpegPath } from '../../src/media/ffmpeg.ts';
import { probeVideo } from '../../src/media/probe.ts';
import { composeClip } from '../../src/media/render-clip.ts';
import { overlayFrames, overlayVideo } from '../../src/media/video-overlay.ts';
import { findModel } from '../../src/modules/models/models.ts';

// The bench's VIDEO run, whole: its 1200x900 source through the service's flows, the real 6 s
// 1080p template. CREATE_MEDIA renders the clip and the MP4 in one pass; a run resumed after
// CREATE_MEDIA still overlays the stored clip, as every run did before. Both are measured against
// the same frames encoded losslessly.
const model = findModel('vim_new_year_2026')!;
const title = 'Bench workflow';
let workDir: string;
let onePass: string;
let fromClip: string;
let reference: string;

/** Mean PSNR (Y, U and V averaged as ffmpeg weighs them) of `video` against `referenceVideo`, frame by frame. */
async function psnr(video: string, referenceVideo: string): Promise<number> {
  const { stderr } = await promisify(execFile)(
    ffmpegPath,
    ['-hide_banner', '-i', video, '-i', referenceVideo, '-lavfi', '[0:v][1:v]psnr', '-f', 'null', '-'],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const average = /PSNR y:[\d.]+ u:[\d.]+ v:[\d.]+ average:([\d.]+|inf)/.exec(stderr)?.[1];
  if (!average) throw new Error(`no PSNR in ffmpeg's output: ${stderr.slice(-500)}`);
  return average === 'inf' ? Number.POSITIVE_INFINITY : Number(average);
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'framewright-one-pass-'));
  const kept = new Map<string, Buffer>();
  await runFlowsInScript(await inputImage(1200, 900), 'VIDEO', async (name, data) => {
    kept.set(name, data);
    await writeFile(path.join(workDir, name), data);
  });
  onePass = path.join(workDir, 'final.mp4');
  fromClip = path.join(workDir, 'from-clip.mp4');
  await overlayVideo({
    clipPath: path.join(workDir, 'clip.webm'),
    outputPath: fromClip,
    template: model.template,
    aspectRatio: '16:9',
    title,
  });
  const composed = await composeClip({
    subject: kept.get('upscaled.png')!,
    matte: kept.get('cropped.png')!,
    template: model.template,
    aspectRatio: '16:9',
  });
  reference = path.join(workDir, 'reference.mkv');
  await overlayFrames({
    frames: composed.frames,
    clipSize: composed.canvas,
    outputPath: reference,
    template: model.template,
    aspectRatio: '16:9',
    title,
    encoding: 'lossless',
  });
}, 240_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('VIDEO in one pass', () => {
  test('the one-pass MP4 is within 0.5 dB PSNR of the MP4 overlaid from the stored clip, against the lossless frames', async () => {
    const [onePassDb, fromClipDb] = [await psnr(onePass, reference), await psnr(fromClip, reference)];
    // A misaligned frame or a wrong colour matrix would fall far below this; the x264 settings alone land near 50 dB.
    expect(fromClipDb).toBeGreaterThan(38);
    expect(onePassDb).toBeGreaterThanOrEqual(fromClipDb - 0.5);
  });

  test('both renditions have the template size, length and codec; the clip keeps its alpha', async () => {
    for (const file of [onePass, fromClip]) {
      const probe = await probeVideo(file);
      expect(probe).toMatchObject({ width: 1920, height: 1080, codec: 'h264', pixFmt: 'yuv420p' });
      expect(Math.abs(probe.durationMs - model.template.durationMs)).toBeLessThanOrEqual(1000 / model.template.fps);
    }
    const clip = await probeVideo(path.join(workDir, 'clip.webm'));
    expect(clip).toMatchObject({ codec: 'vp8', hasAlpha: true });
    expect((await readFile(onePass)).byteLength).toBeGreaterThan(10_000);
  });
});
