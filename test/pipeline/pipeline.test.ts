import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { frameFor, subjectBox } from '../../src/media/layout.ts';
import { probeVideo } from '../../src/media/probe.ts';
import { findModel } from '../../src/modules/models/models.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { decodeFrame, hex, near, pixelAt, type RawPixels, rawPixels } from '../helpers/media.ts';
import { customerLedger } from '../helpers/workflow-fixtures.ts';
import { CreateWorkflow } from '../operations.ts';
import { waitForWorkflow } from './wait.ts';

let app: TestApp;
let scratch: string;
let source: Buffer;
beforeAll(async () => {
  app = await startTestApp({ worker: { concurrency: 2 } });
  scratch = await mkdtemp(path.join(os.tmpdir(), 'framewright-pipeline-'));
  source = await circleOnTransparent();
});
afterAll(async () => {
  await app?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** A 300x240 transparent canvas with an opaque red disc of diameter 120 at (60, 50): corners of its box are transparent. */
async function circleOnTransparent(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="240"><circle cx="120" cy="110" r="60" fill="#dc1e1e"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function createRun(key: string, options: { aspectRatio: string; pipelineMode: 'IMAGE' | 'VIDEO' }) {
  const response = await app.gql(
    CreateWorkflow,
    { input: { title: 'Happy 2026', model: 'vim_new_year_2026', primaryUserId: 'u1', options, source: null } },
    { key, files: [{ path: 'input.source', bytes: source, filename: 'subject.png', contentType: 'image/png' }] },
  );
  const workflow = response.data?.createWorkflow;
  if (workflow?.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(response)}`);
  return workflow;
}

async function download(url: string, name: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const file = path.join(scratch, name);
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
  return file;
}

const template = findModel('vim_new_year_2026')!.template;

/** The side of the square subject box of the model at this aspect ratio. */
function subjectBoxSide(aspectRatio: string): number {
  const box = subjectBox(template, aspectRatio);
  return Math.min(box.width, box.height);
}

/** The first row of the band below the subject box, where the title goes. */
function bandTop(aspectRatio: string): number {
  const frame = frameFor(aspectRatio);
  return Math.round((frame.height + subjectBox(template, aspectRatio).height) / 2);
}

/**
 * The disc (a square subject of `side` px, centred) is red in its middle; the corners of its
 * square, transparent in the source, are never #808080, and on a still background (the IMAGE's
 * gradient, not the video's moving lights) they are the background of their row.
 */
function expectCutOutDisc(image: RawPixels, side: number, tolerance: number, stillBackground: boolean) {
  const cx = image.width / 2;
  const cy = image.height / 2;
  expect(near(pixelAt(image, cx, cy), hex('#dc1e1e'), tolerance)).toBe(true);
  const inset = Math.round(side * 0.05);
  for (const [x, y] of [
    [cx - side / 2 + inset, cy - side / 2 + inset],
    [cx + side / 2 - inset, cy + side / 2 - inset],
  ] as const) {
    if (stillBackground) expect(near(pixelAt(image, x, y), pixelAt(image, 8, y), tolerance)).toBe(true);
    expect(near(pixelAt(image, x, y), hex('#808080'), 24)).toBe(false);
  }
}

/** Pixels within `tolerance` of `rgb` from row `fromRow` down (every other column). */
function countNear(image: RawPixels, rgb: number[], tolerance: number, fromRow: number): number {
  let count = 0;
  for (let y = fromRow; y < image.height; y += 1) {
    for (let x = 0; x < image.width; x += 2) if (near(pixelAt(image, x, y), rgb, tolerance)) count += 1;
  }
  return count;
}

describe('a VIDEO run', () => {
  test.each(['16:9', '9:16', '1:1'])(
    '%s ends SUCCESS with an MP4 of the frame size and the model duration',
    async (aspectRatio) => {
      const { apiKey } = await app.createCustomer(5);
      const created = await createRun(apiKey, { aspectRatio, pipelineMode: 'VIDEO' });
      const done = await waitForWorkflow(app, created.id, apiKey, (w) => ['SUCCESS', 'FAILED', 'CANCELED'].includes(w.processingStatus));
      expect(done.error ?? null).toBeNull();
      expect(done.processingStatus).toBe('SUCCESS');
      expect(done.progressPercentage).toBe(100);
      expect(done.completions.map((c) => [c.flow, c.status, c.attempts])).toEqual([
        ['CROP_TO_CONTENT', 'SUCCESS', 1],
        ['REPLACE_ALPHA_WITH_GRAY', 'SUCCESS', 1],
        ['UPSCALE', 'SUCCESS', 1],
        ['CREATE_MEDIA', 'SUCCESS', 1],
        ['VIDEO_OVERLAY', 'SUCCESS', 1],
      ]);
      const frame = frameFor(aspectRatio);
      const [media] = done.mediaResult;
      expect(media).toMatchObject({
        key: `workflows/${created.id}/media/final.mp4`,
        contentType: 'video/mp4',
        width: frame.width,
        height: frame.height,
      });
      expect(done.result).toHaveLength(1);
      const file = await download(media!.url, `${created.id}.mp4`);
      const probe = await probeVideo(file);
      expect(probe).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: frame.width, height: frame.height });
      expect(Math.abs(probe.durationMs - template.durationMs)).toBeLessThanOrEqual(1000 / template.fps);
      expect(Math.abs((media!.durationMs ?? 0) - template.durationMs)).toBeLessThanOrEqual(1000 / template.fps);

      // The first frame is a poster: the disc, cut out (no gray where the source was transparent), and the title.
      const first = await decodeFrame(file, 0, scratch);
      const subjectSide = Math.min(subjectBoxSide(aspectRatio), 120 * 4);
      expectCutOutDisc(first, subjectSide, 12, false);
      expect(countNear(first, hex(template.title!.color), 40, bandTop(aspectRatio))).toBeGreaterThan(200);
      // A 1920x1920 encode takes ~40 s on 2 idle cores and twice that on a busy machine: the bound
      // is for a stuck run, not a speed check (speed is the benchmarks' business).
    },
    180_000,
  );
});

describe('an IMAGE run', () => {
  test('ends SUCCESS with four completions, real pixels at every step, and a PNG of the frame size', async () => {
    const { apiKey } = await app.createCustomer(1);
    const created = await createRun(apiKey, { aspectRatio: '4:5', pipelineMode: 'IMAGE' });
    const done = await waitForWorkflow(app, created.id, apiKey, (w) => ['SUCCESS', 'FAILED', 'CANCELED'].includes(w.processingStatus));
    expect(done.processingStatus).toBe('SUCCESS');
    expect(done.progressPercentage).toBe(100);
    expect(done.completions.map((c) => [c.flow, c.status])).toEqual([
      ['CROP_TO_CONTENT', 'SUCCESS'],
      ['REPLACE_ALPHA_WITH_GRAY', 'SUCCESS'],
      ['UPSCALE', 'SUCCESS'],
      ['CREATE_MEDIA', 'SUCCESS'],
    ]);
    const outputs = Object.fromEntries(done.completions.map((c) => [c.flow, c.result]));

    // Crop: exactly the disc's bounding box.
    const cropped = await rawPixels(await app.storage.get(outputs['CROP_TO_CONTENT']![0]!.key));
    expect([cropped.width, cropped.height]).toEqual([120, 120]);

    // Gray: no alpha left, #808080 where the disc's box was transparent, the disc still red.
    const grayKey = outputs['REPLACE_ALPHA_WITH_GRAY']![0]!.key;
    const grayMeta = await sharp(await app.storage.get(grayKey)).metadata();
    expect(grayMeta.hasAlpha).toBe(false);
    const gray = await rawPixels(await app.storage.get(grayKey));
    expect(pixelAt(gray, 0, 0)).toEqual(hex('#808080'));
    expect(pixelAt(gray, 119, 119)).toEqual(hex('#808080'));
    expect(near(pixelAt(gray, 60, 60), hex('#dc1e1e'), 2)).toBe(true);

    // Upscale: to the subject box of a 4:5 frame (1536x1920 × 0.7), at most 4x, even sides.
    const upscaled = outputs['UPSCALE']![0]!;
    const box = Math.floor((1536 * template.subjectScale) / 2) * 2;
    expect(upscaled.width).toBe(Math.min(box, 120 * 4));
    expect(upscaled.height).toBe(upscaled.width);
    expect(upscaled.width! % 2).toBe(0);

    // The final PNG: the frame size, the subject in the centre.
    const [media] = done.mediaResult;
    expect(media).toMatchObject({ key: `workflows/${created.id}/media/final.png`, contentType: 'image/png', width: 1536, height: 1920 });
    const final = await rawPixels(await download(media!.url, `${created.id}.png`));
    expect([final.width, final.height]).toEqual([1536, 1920]);
    expect(near(pixelAt(final, 768, 960), hex('#dc1e1e'), 3)).toBe(true);
    expect(near(pixelAt(final, 0, 0), hex(template.background[0]), 3)).toBe(true);

    // The new look: the disc cut out with CROP_TO_CONTENT's alpha (the gray step's output above
    // stays gray), and the title below it.
    expectCutOutDisc(final, upscaled.width!, 3, true);
    expect(countNear(final, hex('#808080'), 6, 0)).toBe(0);
    expect(countNear(final, hex(template.title!.color), 12, bandTop('4:5'))).toBeGreaterThan(500);
  });
});

describe('failures', () => {
  /** A workflow created on an app with no worker yet, so its stored source can be tampered with first. */
  async function createIdle(idle: TestApp, credits: number) {
    const { apiKey, customerId } = await idle.createCustomer(credits);
    const response = await idle.gql(
      CreateWorkflow,
      { input: { title: 'Doomed', model: 'vim_new_year_2026', primaryUserId: 'u1', source: null } },
      { key: apiKey, files: [{ path: 'input.source', bytes: source, filename: 'subject.png', contentType: 'image/png' }] },
    );
    const created = response.data?.createWorkflow;
    if (created?.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(response)}`);
    return { apiKey, customerId, created };
  }

  async function expectRefunded(idle: TestApp, customerId: string, cost: number) {
    expect(await customerLedger(idle, customerId)).toEqual([
      { amount: cost, reason: 'GRANT' },
      { amount: -cost, reason: 'RESERVATION' },
      { amount: cost, reason: 'REFUND' },
    ]);
  }

  test('a flow that keeps failing is tried 3 times, then the run is FAILED with the error and refunded', async () => {
    const idle = await startTestApp();
    try {
      const { apiKey, customerId, created } = await createIdle(idle, 5);
      // A source that cannot be read is not the input's fault: it may come back, so it is retried.
      await idle.storage.delete(created.source!.key);
      idle.startWorker({ concurrency: 1, backoffMs: () => 100 });

      const done = await waitForWorkflow(idle, created.id, apiKey, (w) => ['SUCCESS', 'FAILED', 'CANCELED'].includes(w.processingStatus));
      expect(done.processingStatus).toBe('FAILED');
      expect(done.error).toMatch(/CROP_TO_CONTENT failed after 3 attempts/);
      expect(done.completions[0]).toMatchObject({ flow: 'CROP_TO_CONTENT', status: 'FAILED', attempts: 3 });
      expect(done.completions[0]!.error).toBeTruthy();
      expect(done.completions.slice(1).every((c) => c.status === 'PENDING')).toBe(true);
      await expectRefunded(idle, customerId, 5);
      const job = await idle.db.selectFrom('jobs').selectAll().where('workflow_id', '=', created.id).executeTakeFirstOrThrow();
      expect(job.status).toBe('FAILED');
    } finally {
      await idle.stop();
    }
  });

  test('an input no retry can fix fails at once, with a refund', async () => {
    const idle = await startTestApp();
    try {
      const { apiKey, customerId, created } = await createIdle(idle, 5);
      await idle.storage.put(created.source!.key, Buffer.from('garbage, not a PNG any more'), 'image/png');
      idle.startWorker({ concurrency: 1, backoffMs: () => 100 });

      const done = await waitForWorkflow(idle, created.id, apiKey, (w) => ['SUCCESS', 'FAILED', 'CANCELED'].includes(w.processingStatus));
      expect(done.processingStatus).toBe('FAILED');
      expect(done.error).toMatch(/CROP_TO_CONTENT failed: the input cannot be processed/);
      expect(done.completions[0]).toMatchObject({ flow: 'CROP_TO_CONTENT', status: 'FAILED', attempts: 1 });
      await expectRefunded(idle, customerId, 5);
      const job = await idle.db.selectFrom('jobs').selectAll().where('workflow_id', '=', created.id).executeTakeFirstOrThrow();
      expect(job).toMatchObject({ status: 'FAILED', attempts: 1 });
    } finally {
      await idle.stop();
    }
  });
});
