import { describe, expect, test } from 'vitest';
import { FfmpegError, MediaAbortedError, MediaError } from '../../src/media/errors.ts';
import { errorSummary } from '../../src/worker/error-summary.ts';

describe('the error a customer reads', () => {
  test("keeps ffmpeg's stderr and paths out", () => {
    const error = new FfmpegError('ffmpeg (overlay) failed with exit code 1', 'FFMPEG_FAILED', {
      exitCode: 1,
      signal: null,
      stderrTail: ['/tmp/framewright-flow-Ab12/clip.webm: Invalid data found when processing input', 'Conversion failed!'],
    });
    const summary = errorSummary(error);
    expect(summary).not.toMatch(/\/tmp|clip\.webm|Invalid data|Conversion failed|exit code/);
    expect(summary).toMatch(/rendering failed/);
  });

  test('says what is wrong with an input, without the paths in the message', () => {
    const error = new MediaError('/tmp/framewright-flow-x/source.png has no video stream', 'INVALID_INPUT');
    expect(errorSummary(error)).toBe('<file> has no video stream');
    expect(errorSummary(new MediaError('the image is entirely transparent: nothing to crop to'))).toBe(
      'the image is entirely transparent: nothing to crop to',
    );
  });

  test('hides what is not a media error (storage, database) and bounds the length', () => {
    expect(errorSummary(new Error('connect ECONNREFUSED 10.1.2.3:5432'))).not.toMatch(/ECONNREFUSED|10\.1\.2\.3/);
    expect(errorSummary(new MediaError(`bad ${'x'.repeat(5000)}`)).length).toBeLessThanOrEqual(301);
    expect(
      errorSummary(
        new FfmpegError('ffmpeg ran longer than 1000 ms and was killed', 'TIMEOUT', { exitCode: null, signal: 'SIGKILL', stderrTail: [] }),
      ),
    ).toMatch(/time limit/);
    expect(errorSummary(new MediaAbortedError())).toBe('the step was stopped');
  });
});
