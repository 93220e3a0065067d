import { MediaError } from './errors.ts';
import { runFfprobe } from './ffmpeg.ts';
import type { MediaRunOptions } from './types.ts';

export interface VideoProbe {
  /** ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm". */
  container: string;
  codec: string;
  /** As the default decoder reports it: a VP8/VP9 alpha stream reads "yuv420p" (see `hasAlpha`). */
  pixFmt: string;
  width: number;
  height: number;
  durationMs: number;
  /** Frames per second from the stream's average frame rate. */
  fps: number;
  /** From the container when it records it (MP4), else counted by decoding when asked to, else null. */
  frameCount: number | null;
  /**
   * The pixel format carries alpha, or the stream is WebM VP8/VP9 with `alpha_mode=1`: libavcodec's
   * native VP8/VP9 decoders drop that alpha, only libvpx decodes it.
   */
  hasAlpha: boolean;
  sizeBytes: number;
}

interface FfprobeOutput {
  streams?: Array<{
    codec_type?: string;
    codec_name?: string;
    pix_fmt?: string;
    width?: number;
    height?: number;
    duration?: string;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    nb_frames?: string;
    nb_read_frames?: string;
    tags?: Record<string, string>;
  }>;
  format?: { format_name?: string; duration?: string; size?: string };
}

const ALPHA_PIX_FMT = /^(yuva|gbrap|ya\d|rgba|bgra|argb|abgr|rgb32|bgr32)/;

/** The first video stream of a file. `countFrames` decodes the whole stream when the container has no frame count. */
export async function probeVideo(
  path: string,
  options: Pick<MediaRunOptions, 'signal' | 'timeoutMs'> & { countFrames?: boolean } = {},
): Promise<VideoProbe> {
  const args = ['-show_streams', '-show_format', '-select_streams', 'v:0', '-of', 'json'];
  if (options.countFrames) args.unshift('-count_frames');
  const raw = await runFfprobe([...args, path], options);
  let parsed: FfprobeOutput;
  try {
    parsed = JSON.parse(raw) as FfprobeOutput;
  } catch {
    throw new MediaError(`ffprobe printed something that is not JSON for ${path}`, 'FFMPEG_FAILED');
  }
  const stream = parsed.streams?.find((s) => s.codec_type === 'video');
  if (!stream?.width || !stream.height || !stream.codec_name) {
    throw new MediaError(`${path} has no video stream`, 'INVALID_INPUT');
  }
  const seconds = Number(stream.duration ?? parsed.format?.duration ?? NaN);
  const frames = Number(stream.nb_frames ?? stream.nb_read_frames ?? NaN);
  const pixFmt = stream.pix_fmt ?? 'unknown';
  const alphaMode = Object.entries(stream.tags ?? {}).find(([key]) => key.toLowerCase() === 'alpha_mode')?.[1];
  return {
    container: parsed.format?.format_name ?? 'unknown',
    codec: stream.codec_name,
    pixFmt,
    width: stream.width,
    height: stream.height,
    durationMs: Number.isFinite(seconds) ? Math.round(seconds * 1_000) : 0,
    fps: parseRate(stream.avg_frame_rate) || parseRate(stream.r_frame_rate),
    frameCount: Number.isFinite(frames) && frames > 0 ? frames : null,
    hasAlpha: ALPHA_PIX_FMT.test(pixFmt) || alphaMode === '1',
    sizeBytes: Number(parsed.format?.size ?? 0),
  };
}

function parseRate(rate: string | undefined): number {
  const [num, den] = (rate ?? '').split('/').map(Number);
  return num && den ? num / den : 0;
}
