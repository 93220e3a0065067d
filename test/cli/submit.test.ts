import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { probeVideo } from '../../src/media/probe.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { cliErrors, EXAMPLE_IMAGE, framewright, lines } from './run-cli.ts';

let app: TestApp;
let env: Record<string, string>;
let workDir: string;

beforeAll(async () => {
  app = await startTestApp({ worker: {} });
  const { apiKey } = await app.createCustomer(100);
  env = { FRAMEWRIGHT_URL: app.url, FRAMEWRIGHT_API_KEY: apiKey };
  workDir = await mkdtemp(path.join(os.tmpdir(), 'framewright-cli-submit-'));
});
afterAll(async () => {
  await app?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const PROGRESS_LINE = /^\d{1,3}% (QUEUED|PROCESSING|SUCCESS|FAILED|CANCELED)( [A-Z_]+ (PENDING|RUNNING|SUCCESS|FAILED|SKIPPED))?$/;

/** The workflow id from submit's first line, "workflow <id> QUEUED (...)". */
function createdId(stdout: string): string {
  const match = /^workflow (\S+) QUEUED \(/.exec(lines(stdout)[0] ?? '');
  expect(match, stdout).not.toBeNull();
  return match![1]!;
}

describe('submit --watch on a pipe', () => {
  test('a VIDEO run sent by presigned upload: plain progress lines, exit 0, the MP4 downloaded and its path printed last', async () => {
    const out = path.join(workDir, 'video');
    const run = await framewright(['submit', EXAMPLE_IMAGE, '--upload', 'presigned', '--watch', '--out', out], env);
    expect(run.code, run.stderr).toBe(0);
    expect(cliErrors(run.stderr)).toEqual([]);
    const printed = lines(run.stdout);
    const id = createdId(run.stdout);
    expect(printed[0]).toContain('VIDEO 16:9');
    const progress = printed.slice(1, -2);
    expect(progress.length).toBeGreaterThan(3);
    for (const line of progress) expect(line).toMatch(PROGRESS_LINE);
    const percentages = progress.map((line) => Number.parseInt(line, 10));
    expect(percentages).toEqual([...percentages].sort((a, b) => a - b));
    expect(progress).toContain('99% PROCESSING VIDEO_OVERLAY SUCCESS');
    expect(progress.at(-1)).toBe('100% SUCCESS');
    expect(printed.at(-2)).toBe(`workflow ${id} SUCCESS`);
    expect(printed.at(-1)).toBe(path.join(out, `${id}.mp4`));
    const video = await probeVideo(printed.at(-1)!);
    expect(video).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 1920, height: 1080 });
    expect(video.durationMs).toBeGreaterThan(5000);
  });

  test('an IMAGE run at 1:1 by multipart: the PNG downloaded', async () => {
    const out = path.join(workDir, 'image');
    const run = await framewright(['submit', EXAMPLE_IMAGE, '--mode', 'image', '--ratio', '1:1', '--title', 'Gift', '--out', out], env);
    expect(run.code, run.stderr).toBe(0);
    const id = createdId(run.stdout);
    expect(lines(run.stdout)[0]).toContain('IMAGE 1:1');
    const saved = lines(run.stdout).at(-1)!;
    expect(saved).toBe(path.join(out, `${id}.png`));
    expect(await sharp(saved).metadata()).toMatchObject({ format: 'png', width: 1920, height: 1920 });

    const again = await framewright(['workflows', 'download', id, '--out', path.join(workDir, 'again')], env);
    expect(again.code, again.stderr).toBe(0);
    expect(lines(again.stdout)).toEqual([path.join(workDir, 'again', `${id}.png`)]);
    expect((await stat(lines(again.stdout)[0]!)).size).toBe((await stat(saved)).size);
  });
});

describe('against a service whose worker starts later', () => {
  let idle: TestApp;
  let idleEnv: Record<string, string>;
  beforeAll(async () => {
    idle = await startTestApp();
    const { apiKey } = await idle.createCustomer(100);
    idleEnv = { FRAMEWRIGHT_URL: idle.url, FRAMEWRIGHT_API_KEY: apiKey };
  });
  afterAll(() => idle?.stop());

  test('submit without --watch, then workflows list, show, cancel, retry, download and delete', { timeout: 240_000 }, async () => {
    const submitted = await framewright(['submit', EXAMPLE_IMAGE, '--title', 'Queued gift'], idleEnv);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(lines(submitted.stdout)).toHaveLength(1);
    const id = createdId(submitted.stdout);
    const cli = (...args: string[]) => framewright(['workflows', ...args], idleEnv);

    const listed = await cli('list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(lines(listed.stdout)).toEqual([
      expect.stringMatching(new RegExp(`^${id}  QUEUED .* 0%  vim_new_year_2026  VIDEO 16:9  .*  Queued gift$`)),
    ]);
    const json = JSON.parse((await cli('list', '--status', 'QUEUED', '--json')).stdout) as { workflows: Array<{ id: string }> };
    expect(json.workflows.map((w) => w.id)).toEqual([id]);
    const shown = await cli('show', id);
    expect(shown.stdout).toContain('status:     QUEUED 0%');
    expect(shown.stdout).toMatch(/ {2}VIDEO_OVERLAY +PENDING/);
    // The service's root, as the start banner and a browser show it, stands for its /graphql.
    const fromRoot = await framewright(['workflows', 'show', id], { ...idleEnv, FRAMEWRIGHT_URL: new URL('/', idle.url).origin });
    expect(fromRoot.code, fromRoot.stderr).toBe(0);
    expect(fromRoot.stdout).toBe(shown.stdout);

    expect((await cli('cancel', id)).stdout).toMatch(new RegExp(`^${id}  CANCELED `));
    const twice = await cli('cancel', id);
    expect(twice.code).toBe(1);
    expect(cliErrors(twice.stderr)).toEqual([expect.stringMatching(/^framewright: BAD_REQUEST: /)]);
    expect((await cli('retry', id)).stdout).toMatch(new RegExp(`^${id}  QUEUED `));
    expect((await cli('cancel', id)).code).toBe(0);
    const noResult = await cli('download', id, '--out', path.join(workDir, 'none'));
    expect(noResult.code).toBe(1);
    expect(noResult.stderr).toContain('has no result (it is CANCELED)');

    const deleted = await cli('delete', id);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(new RegExp(`^deleted workflow ${id} and [1-9]\\d* files?$`, 'm'));
    const gone = await cli('show', id);
    expect(gone.code).toBe(1);
    expect(cliErrors(gone.stderr)).toEqual([expect.stringMatching(/^framewright: NOT_FOUND: /)]);
  });

  test('a run that FAILS: exit 1, the error on stderr, nothing downloaded', async () => {
    const out = path.join(workDir, 'failed');
    const run = await framewright(['submit', EXAMPLE_IMAGE, '--mode', 'image', '--out', out], idleEnv, (line) => {
      const id = /^workflow (\S+) QUEUED/.exec(line)?.[1];
      if (!id) return;
      // Once the workflow exists, its stored source is spoilt: CROP_TO_CONTENT cannot decode it and the run fails.
      void (async () => {
        const [source] = await idle.listObjects(`workflows/${id}/source/`);
        await idle.storage.put(source!, Buffer.from('not a PNG any more'), 'image/png');
        idle.startWorker({ concurrency: 1 });
      })();
    });
    expect(run.code, run.stderr).toBe(1);
    const id = createdId(run.stdout);
    expect(cliErrors(run.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^framewright: workflow ${id} FAILED: CROP_TO_CONTENT failed: the input cannot be processed`)),
    ]);
    expect(lines(run.stdout).at(-1)).toMatch(/^\d+% FAILED/);
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('refusals', () => {
  test('a bad key: exit 3 and UNAUTHENTICATED on one line', async () => {
    const run = await framewright(['submit', EXAMPLE_IMAGE, '--model', 'vim_new_year_2026'], {
      ...env,
      FRAMEWRIGHT_API_KEY: 'fw_not-a-key',
    });
    expect(run.code, run.stderr).toBe(3);
    expect(cliErrors(run.stderr)).toEqual([expect.stringMatching(/^framewright: UNAUTHENTICATED: /)]);
    expect(run.stdout).toBe('');
  });

  test.each([
    ['no FRAMEWRIGHT_URL', ['submit', 'examples/subject.png'], { FRAMEWRIGHT_URL: '' }, /FRAMEWRIGHT_URL/],
    ['no API key', ['submit', 'examples/subject.png'], { FRAMEWRIGHT_API_KEY: '' }, /FRAMEWRIGHT_API_KEY/],
    ['an unknown --mode', ['submit', 'examples/subject.png', '--mode', 'gif'], {}, /--mode/],
    ['a ratio that is not w:h', ['submit', 'examples/subject.png', '--ratio', 'wide'], {}, /--ratio/],
    ['no image argument', ['submit'], {}, /image/],
    ['a missing image file', ['submit', 'examples/nope.png', '--model', 'vim_new_year_2026'], {}, /ENOENT/],
    [
      'a ratio the model lacks',
      ['submit', 'examples/subject.png', '--model', 'aurora_portrait_2026', '--ratio', '16:9'],
      {},
      /VALIDATION_ERROR.*aspectRatio/,
    ],
  ])('%s: exit 2 and the reason on stderr', async (_name, args, overrides, reason) => {
    const runEnv = Object.fromEntries(Object.entries({ ...env, ...overrides }).filter(([, value]) => value !== ''));
    const run = await framewright(args, runEnv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(reason);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).not.toMatch(/^workflow /m);
  });
});
