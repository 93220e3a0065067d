import { type ChildProcess, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import ffprobeInstaller from '@ffprobe-installer/ffprobe';
import { type ActiveSpan, inSpan } from '../tracing/tracing.ts';
import { FfmpegError, MediaAbortedError, MediaError } from './errors.ts';
import type { MediaRunOptions } from './types.ts';

/** The static ffmpeg 4.1 build (Dec 2018): no `gradients` source, scale cannot animate, out_time_us exists. */
export const ffmpegPath: string = ffmpegInstaller.path;
/** A 2023 ffprobe: newer than the ffmpeg, which does not matter for reading containers. */
export const ffprobePath: string = ffprobeInstaller.path;

const STDERR_TAIL_LINES = 20;
const MAX_LINE_CHARS = 1_000;
const MAX_PROBE_OUTPUT_CHARS = 16 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 15 * 60_000;
// ffmpeg stops at the next frame on SIGTERM and writes its trailer; 2 s covers that at 1920 px.
const KILL_GRACE_MS = 2_000;

export interface FfmpegRunOptions extends MediaRunOptions {
  /** The output's duration: progress is ffmpeg's `out_time_us` over it. Without it no progress is reported. */
  durationMs?: number;
  /**
   * Written to ffmpeg's stdin (use `-i pipe:0`). A chunk is handed to the pipe whole before the
   * next one is asked for, so a source may refill the same buffer for its next chunk.
   */
  stdin?: AsyncIterable<Uint8Array>;
  killGraceMs?: number;
}

/**
 * Runs ffmpeg to completion. Adds `-hide_banner -loglevel warning -nostats -progress pipe:1`, so
 * stdout carries only progress: never write an output to `pipe:1`.
 */
export function runFfmpeg(args: readonly string[], options: FfmpegRunOptions = {}): Promise<void> {
  return inSpan(
    'ffmpeg',
    { attributes: { 'process.executable.name': 'ffmpeg', 'framewright.media.duration_ms': options.durationMs } },
    (span) => runFfmpegIn(span, args, options),
  );
}

async function runFfmpegIn(span: ActiveSpan, args: readonly string[], options: FfmpegRunOptions): Promise<void> {
  const { durationMs, onProgress } = options;
  let reported = 0;
  let tenthsTraced = 0;
  const report = (fraction: number) => {
    // A span event per tenth done: enough to see where a slow render spent its time.
    if (Math.floor(fraction * 10) > tenthsTraced) {
      tenthsTraced = Math.floor(fraction * 10);
      span.addEvent('progress', { fraction });
    }
    if (!onProgress || fraction <= reported) return;
    reported = fraction;
    onProgress(fraction);
  };
  const lines = new LineSplitter();
  const onStdout = (chunk: string) => {
    for (const line of lines.push(chunk)) {
      // ffmpeg 4.1 writes both; out_time_ms is also in microseconds (a historical misnomer).
      const match = /^out_time_(?:us|ms)=(\d+)$/.exec(line);
      if (!match || !durationMs || durationMs <= 0) continue;
      // Held below 1 until ffmpeg exits: the +faststart rewrite still runs after the last frame.
      report(Math.min(0.99, Number(match[1]) / (durationMs * 1_000)));
    }
  };
  await runProcess(
    ffmpegPath,
    ['-hide_banner', ...(options.stdin ? [] : ['-nostdin']), '-loglevel', 'warning', '-nostats', '-progress', 'pipe:1', ...args],
    'ffmpeg',
    { ...options, onStdout },
  );
  report(1);
}

/** Runs ffprobe and returns what it printed (the caller asks for `-of json`). */
export async function runFfprobe(args: readonly string[], options: Pick<MediaRunOptions, 'signal' | 'timeoutMs'> = {}): Promise<string> {
  const chunks: string[] = [];
  let size = 0;
  await runProcess(ffprobePath, ['-hide_banner', '-loglevel', 'error', ...args], 'ffprobe', {
    timeoutMs: 60_000,
    ...options,
    onStdout: (chunk) => {
      size += chunk.length;
      if (size > MAX_PROBE_OUTPUT_CHARS) throw new MediaError('ffprobe printed more than 16 MB', 'FFMPEG_FAILED');
      chunks.push(chunk);
    },
  });
  return chunks.join('');
}

interface ProcessOptions extends FfmpegRunOptions {
  onStdout: (chunk: string) => void;
}

type Stop = { kind: 'abort' } | { kind: 'timeout' } | { kind: 'internal'; error: unknown };

// long-function: one child's life in one closure (its stop reason, timers and settle-once flag are
// shared by every handler); how it ended is decided apart, in failureOf.
function runProcess(command: string, args: readonly string[], label: string, options: ProcessOptions): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(new MediaAbortedError(signal.reason));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const graceMs = options.killGraceMs ?? KILL_GRACE_MS;

  return new Promise<void>((resolve, reject) => {
    // detached: a process group of its own, so Ctrl+C in a terminal reaches only us; our shutdown
    // lets the flow finish or interrupts it, and hands the job back.
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    killOnExit(child);
    const stderr = new LineSplitter(STDERR_TAIL_LINES);
    let stopped: Stop | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const stop = (why: Stop) => {
      if (stopped || settled) return;
      stopped = why;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    };
    const onAbort = () => stop({ kind: 'abort' });
    signal?.addEventListener('abort', onAbort, { once: true });
    const timeoutTimer = setTimeout(() => stop({ kind: 'timeout' }), timeoutMs);

    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      try {
        options.onStdout(chunk);
      } catch (error) {
        stop({ kind: 'internal', error });
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => stderr.push(chunk));

    child.on('error', (error) => {
      // Only a failed spawn leaves no pid; later errors (a failed kill) end in 'close' as usual.
      if (child.pid === undefined) {
        finish(new MediaError(`could not start ${label} (${command}): ${error.message}`, 'FFMPEG_FAILED', { cause: error }));
      }
    });

    if (options.stdin) {
      feed(child.stdin, options.stdin, () => stopped !== undefined || settled).catch((error: unknown) => stop({ kind: 'internal', error }));
    } else {
      child.stdin.on('error', () => {});
      child.stdin.end();
    }

    child.on('close', (exitCode, exitSignal) => {
      child.stdin.destroy();
      finish(failureOf({ label, timeoutMs, signal, stopped, exitCode, exitSignal, stderrTail: stderr.tail() }));
    });
  });
}

/** How a finished process ended for its caller: undefined on success, else the error to reject with. */
function failureOf(ended: {
  label: string;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  stopped: Stop | undefined;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  stderrTail: string[];
}): Error | undefined {
  const { label, stopped, exitCode, exitSignal } = ended;
  const details = { exitCode, signal: exitSignal, stderrTail: ended.stderrTail };
  if (stopped?.kind === 'abort') return new MediaAbortedError(ended.signal?.reason);
  if (stopped?.kind === 'timeout')
    return new FfmpegError(`${label} ran longer than ${ended.timeoutMs} ms and was killed`, 'TIMEOUT', details);
  if (stopped?.kind === 'internal') {
    const { error } = stopped;
    if (error instanceof MediaError) return error;
    return new MediaError(`${label} was stopped: ${error instanceof Error ? error.message : String(error)}`, 'FFMPEG_FAILED', {
      cause: error,
    });
  }
  if (exitCode === 0) return undefined;
  const how = exitCode !== null ? `exit code ${exitCode}` : `signal ${exitSignal}`;
  return new FfmpegError(`${label} failed with ${how}`, 'FFMPEG_FAILED', details);
}

const liveChildren = new Set<ChildProcess>();

/** Outside our process group, a child would outlive a forced exit (a second Ctrl+C, a crash): kill what is left then. */
function killOnExit(child: ChildProcess): void {
  if (liveChildren.size === 0) process.on('exit', killLiveChildren);
  liveChildren.add(child);
  child.once('close', () => {
    liveChildren.delete(child);
    if (liveChildren.size === 0) process.off('exit', killLiveChildren);
  });
}

function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}

async function feed(stream: Writable, source: AsyncIterable<Uint8Array>, isStopped: () => boolean): Promise<void> {
  // EPIPE when ffmpeg exits before reading everything: its exit status says why, not this.
  stream.on('error', () => {});
  for await (const chunk of source) {
    if (isStopped() || stream.destroyed) return;
    await written(stream, chunk);
  }
  if (!stream.destroyed) stream.end();
}

/** Resolves once `chunk` is in the pipe, or the stream failed or closed (the exit status tells why). */
function written(stream: Writable, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    stream.write(chunk, () => resolve());
  });
}

/** Splits a text stream into lines (ffmpeg ends some with \r); optionally keeps only the last `keep`. */
class LineSplitter {
  private partial = '';
  private readonly kept: string[] = [];
  private readonly keep;
  constructor(keep = 0) {
    this.keep = keep;
  }

  push(chunk: string): string[] {
    const parts = (this.partial + chunk).split(/\r\n|\n|\r/);
    // A stream that never ends a line must not grow without bound.
    this.partial = (parts.pop() ?? '').slice(-64 * 1024);
    const lines = parts.map((line) => line.trim().slice(0, MAX_LINE_CHARS)).filter((line) => line.length > 0);
    if (this.keep > 0) {
      this.kept.push(...lines);
      if (this.kept.length > this.keep) this.kept.splice(0, this.kept.length - this.keep);
    }
    return lines;
  }

  tail(): string[] {
    const last = this.partial.trim().slice(0, MAX_LINE_CHARS);
    return (last ? [...this.kept, last] : [...this.kept]).slice(-this.keep);
  }
}
