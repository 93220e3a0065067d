import sharp from 'sharp';
import { loadSubjectRgba, type RawImage } from './decode.ts';
import { MediaAbortedError } from './errors.ts';
import { runFfmpeg } from './ffmpeg.ts';
import { frameFor, type Size, subjectBox } from './layout.ts';
import { probeVideo, type VideoProbe } from './probe.ts';
import type { ModelTemplate } from './template.ts';
import type { MediaRunOptions } from './types.ts';

/**
 * The transparent clip is WebM VP8 with alpha (yuva420p). Measured on this 2-core machine at
 * 1920x1080, 60 frames of a noisy subject: ProRes 4444 (prores_ks) took 26 s and 96 MB, PNG in
 * MOV 20 s and 152 MB, qtrle 3 s but 163 MB; VP8 6 s and under 1 MB (VP9 twice as slow). A 6 s
 * clip at 1920x1920 takes ~15-25 s. The catch: ffmpeg's native VP8 decoder drops the alpha, so
 * readers must decode with `-c:v libvpx` (video-overlay does; probeVideo reports it as hasAlpha).
 */
export const CLIP_FORMAT = { extension: 'webm', contentType: 'video/webm', codec: 'vp8', decoder: 'libvpx' } as const;

export interface RenderClipParams {
  /** The subject image (UPSCALE's PNG): a file path or the encoded bytes. */
  subject: string | Uint8Array;
  /** Where the WebM goes; the caller picks the name, the container is WebM whatever the extension. */
  outputPath: string;
  template: ModelTemplate;
  aspectRatio: string;
}

export interface ClipOutput extends VideoProbe {
  path: string;
  contentType: typeof CLIP_FORMAT.contentType;
}

/** Frames of a template's video: round(durationMs × fps / 1000), at least 1. */
export function frameCount(template: Pick<ModelTemplate, 'durationMs' | 'fps'>): number {
  return Math.max(1, Math.round((template.durationMs * template.fps) / 1_000));
}

/** Where the subject is at time t: scale of its resting size, offset as a share of the frame, opacity. */
export interface AnimationState {
  scale: number;
  offsetX: number;
  offsetY: number;
  opacity: number;
}

/**
 * - zoom-bounce: grows from nothing to its resting size with an ease-out-back overshoot (~10%)
 *   over the first 1.2 s (at most 40% of the clip), then hops once a second, 1.5% of the frame
 *   height high. (A hop only moves the subject; a zoom pulse would resize it every frame, which
 *   doubled the time to make a 1920x1920 clip.)
 * - fade-drift: fades in (smoothstep) over the first second (at most 30% of the clip) while
 *   drifting across the whole clip from 3% of the frame width left of centre to 3% right, and
 *   from 2% of the height below centre to 2% above.
 */
export function animationState(animation: ModelTemplate['animation'], tMs: number, durationMs: number): AnimationState {
  if (animation === 'zoom-bounce') {
    const introMs = Math.min(1_200, 0.4 * durationMs);
    if (tMs < introMs) return { scale: tMs <= 0 ? 0 : easeOutBack(tMs / introMs), offsetX: 0, offsetY: 0, opacity: 1 };
    const hop = Math.abs(Math.sin((Math.PI * (tMs - introMs)) / 1_000));
    return { scale: 1, offsetX: 0, offsetY: -0.015 * hop, opacity: 1 };
  }
  const fadeMs = Math.min(1_000, 0.3 * durationMs);
  const p = fadeMs > 0 ? Math.min(1, tMs / fadeMs) : 1;
  const u = durationMs > 0 ? Math.min(1, tMs / durationMs) : 0;
  return { scale: 1, offsetX: 0.03 * (2 * u - 1), offsetY: 0.02 * (1 - 2 * u), opacity: p * p * (3 - 2 * p) };
}

function easeOutBack(p: number): number {
  const c1 = 1.70158;
  const c3 = c1 + 1;
  return 1 + c3 * (p - 1) ** 3 + c1 * (p - 1) ** 2;
}

/**
 * CREATE_MEDIA for VIDEO: the subject, animated per template.animation on a transparent frame of
 * the model's size, template.durationMs long at template.fps (frameCount frames). The frames are
 * composed here (ffmpeg 4.1's scale cannot change size over time) and piped raw to ffmpeg.
 */
export async function renderClip(params: RenderClipParams, options: MediaRunOptions = {}): Promise<ClipOutput> {
  const { template } = params;
  if (options.signal?.aborted) throw new MediaAbortedError(options.signal.reason);
  const frame = frameFor(params.aspectRatio);
  const base = await loadSubjectRgba(params.subject, subjectBox(template, params.aspectRatio));
  const count = frameCount(template);
  await runFfmpeg(
    [
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgba',
      '-s',
      `${frame.width}x${frame.height}`,
      '-framerate',
      String(template.fps),
      '-i',
      'pipe:0',
      // BT.709 like the final H.264; the overlay blends in YUV, so both must agree.
      '-vf',
      'scale=out_color_matrix=bt709:out_range=tv,format=yuva420p',
      // Realtime mode: twice as fast as 'good' at cpu-used 5, for the same PSNR on this content.
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-crf',
      '12',
      '-b:v',
      '16M',
      '-auto-alt-ref',
      '0',
      '-threads',
      '2',
      '-frames:v',
      String(count),
      '-f',
      'webm',
      '-y',
      params.outputPath,
    ],
    { ...options, durationMs: (count * 1_000) / template.fps, stdin: frames(base, frame, template, count) },
  );
  const probe = await probeVideo(params.outputPath, { signal: options.signal });
  return { ...probe, path: params.outputPath, contentType: CLIP_FORMAT.contentType };
}

/** Raw RGBA frames. A frame equal to the previous one is the same Buffer: nothing is recomposed. */
async function* frames(base: RawImage, frame: Size, template: ModelTemplate, count: number): AsyncGenerator<Buffer> {
  let previous: { key: string; pixels: Buffer } | undefined;
  let resized: RawImage | undefined;
  for (let index = 0; index < count; index += 1) {
    const state = animationState(template.animation, (index * 1_000) / template.fps, template.durationMs);
    const width = Math.round(base.width * state.scale);
    const height = Math.round(base.height * state.scale);
    const left = Math.round((frame.width - width) / 2 + state.offsetX * frame.width);
    const top = Math.round((frame.height - height) / 2 + state.offsetY * frame.height);
    const alpha = Math.round(state.opacity * 255);
    const visible = width > 0 && height > 0 && alpha > 0;
    const key = visible ? `${width}x${height}+${left}+${top}@${alpha}` : 'empty';
    if (previous?.key === key) {
      yield previous.pixels;
      continue;
    }
    const pixels = Buffer.alloc(frame.width * frame.height * 4);
    if (visible) {
      let image: RawImage = base;
      if (width !== base.width || height !== base.height) {
        if (resized?.width !== width || resized.height !== height) {
          const data = await sharp(base.data, { raw: { width: base.width, height: base.height, channels: 4 } })
            .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
            .raw()
            .toBuffer();
          resized = { data, width, height };
        }
        image = resized;
      }
      blit(pixels, frame, image, left, top, alpha);
    }
    previous = { key, pixels };
    yield pixels;
  }
}

/** Copies `image` into the RGBA `target` at (left, top), clipped to the frame, scaling alpha by opacity/255. */
function blit(target: Buffer, frame: Size, image: RawImage, left: number, top: number, opacity: number): void {
  const x0 = Math.max(0, left);
  const x1 = Math.min(frame.width, left + image.width);
  const y0 = Math.max(0, top);
  const y1 = Math.min(frame.height, top + image.height);
  if (x0 >= x1 || y0 >= y1) return;
  for (let y = y0; y < y1; y += 1) {
    const sourceStart = ((y - top) * image.width + (x0 - left)) * 4;
    const targetStart = (y * frame.width + x0) * 4;
    image.data.copy(target, targetStart, sourceStart, sourceStart + (x1 - x0) * 4);
    if (opacity < 255) {
      for (let i = targetStart + 3; i < targetStart + (x1 - x0) * 4; i += 4) {
        target[i] = Math.round((target[i]! * opacity) / 255);
      }
    }
  }
}
