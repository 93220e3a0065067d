/**
 * Failures of the media layer. `code` lets the job runner tell a hopeless input (retrying will
 * not help) from a crashed or stalled process (a retry may), and a cancel from both.
 */
export type MediaErrorCode = 'INVALID_INPUT' | 'FFMPEG_FAILED' | 'TIMEOUT' | 'ABORTED';

export class MediaError extends Error {
  override name = 'MediaError';
  readonly code: MediaErrorCode;
  constructor(message: string, code: MediaErrorCode = 'INVALID_INPUT', options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** ffmpeg or ffprobe exited non-zero, was killed, or ran past its time limit. */
export class FfmpegError extends MediaError {
  override name = 'FfmpegError';
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines ffmpeg wrote to stderr: where it says what went wrong. */
  readonly stderrTail: readonly string[];
  constructor(
    message: string,
    code: 'FFMPEG_FAILED' | 'TIMEOUT',
    details: { exitCode: number | null; signal: NodeJS.Signals | null; stderrTail: readonly string[] },
  ) {
    // The tail is in the message too: it is what a log line or a failed completion shows.
    super(details.stderrTail.length ? `${message}\n${details.stderrTail.join('\n')}` : message, code);
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderrTail = details.stderrTail;
  }
}

/**
 * The caller's AbortSignal fired. Named like the platform's AbortError so generic
 * `err.name === 'AbortError'` checks treat it as a cancel, not a failure.
 */
export class MediaAbortedError extends MediaError {
  override name = 'AbortError';
  constructor(reason?: unknown) {
    super('the media operation was aborted', 'ABORTED', { cause: reason });
  }
}
