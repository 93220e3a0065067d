import { readFile, rm } from 'node:fs/promises';
import sharp from 'sharp';
import { loadSubjectRgba, type RawImage } from './decode.ts';
import { MediaAbortedError } from './errors.ts';
import { runFfmpeg } from './ffmpeg.ts';
import { teeFrames } from './frame-tee.ts';
import { frameFor, type Size, subjectBox } from './layout.ts';
import { probeVideo, type VideoProbe } from './probe.ts';
import { sideBySide } from './side-by-side.ts';
import type { ModelTemplate } from './template.ts';
import type { MediaRunOptions } from './types.ts';
import { ivfFrames, muxVp8WithAlpha } from './webm-alpha.ts';
import { alphaFrames, colourFrames, rawYuvaInput, toYuva, YUV_PIX_FMT, YuvaCanvas, type YuvaImage } from './yuva-frame.ts';

/**
 * The transparent clip is WebM VP8 with alpha (yuva420p). Measured on this 2-core machine at
 * 1920x1080, 60 frames of a noisy subject: ProRes 4444 (prores_ks) took 26 s and 96 MB, PNG in
 * MOV 20 s and 152 MB, qtrle 3 s but 163 MB; VP8 6 s and under 1 MB (VP9 twice as slow). VP8's
 * cost is per pixel, transparent or not, hence a clip of the subject's extent (clipSize), not of
 * the frame: a third of the work at 16:9. The catch: ffmpeg's native VP8 decoder drops the alpha, so
 * readers must decode with `-c:v libvpx` (video-overlay does; probeVideo reports it as hasAlpha).
 */
export const CLIP_FORMAT = { extension: 'webm', contentType: 'video/webm', codec: 'vp8', decoder: 'libvpx' } as const;

export interface RenderClipParams {
  /** The subject image (UPSCALE's PNG): a file path or the encoded bytes. */
  subject: string | Uint8Array;
  /** CROP_TO_CONTENT's output, when the subject is its gray-flattened form: its alpha cuts the subject out. */
  matte?: Uint8Array;
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

/** Where the subject is at time t: scale of its resting size, and its offset from the centre as a share of the frame. */
export interface AnimationState {
  scale: number;
  offsetX: number;
  offsetY: number;
}

/**
 * Both start at rest (scale 1, centred), so the first frame shows the whole subject: the poster.
 * - zoom-bounce: over the first 1.2 s (at most 40% of the clip) the subject swells by ~9% and
 *   settles back with a small dip, then hops once a second, 1.5% of the frame height high. (A hop
 *   only moves the subject; a zoom every frame would resize it every frame, twice the work.)
 * - drift: drifts across the whole clip, 3% of the frame width to the right and 2% of its height
 *   up, easing in and out (smoothstep).
 */
export function animationState(animation: ModelTemplate['animation'], tMs: number, durationMs: number): AnimationState {
  if (animation === 'zoom-bounce') {
    const introMs = Math.min(1_200, 0.4 * durationMs);
    if (tMs < introMs) {
      const p = Math.max(0, tMs / introMs);
      return { scale: 1 + 0.15 * Math.sin(2 * Math.PI * p) * (1 - p) ** 2, offsetX: 0, offsetY: 0 };
    }
    const hop = Math.abs(Math.sin((Math.PI * (tMs - introMs)) / 1_000));
    return { scale: 1, offsetX: 0, offsetY: -0.015 * hop };
  }
  const u = durationMs > 0 ? Math.min(1, Math.max(0, tMs / durationMs)) : 0;
  const eased = u * u * (3 - 2 * u);
  return { scale: 1, offsetX: 0.03 * eased, offsetY: -0.02 * eased };
}

/** The subject's placement in frame `index`: its size and its top-left corner relative to the frame's centre. */
interface Placement {
  width: number;
  height: number;
  left: number;
  top: number;
}

function placement(template: ModelTemplate, index: number, base: Size, frame: Size): Placement {
  const state = animationState(template.animation, (index * 1_000) / template.fps, template.durationMs);
  const width = Math.round(base.width * state.scale);
  const height = Math.round(base.height * state.scale);
  return {
    width,
    height,
    left: Math.round(-width / 2 + state.offsetX * frame.width),
    top: Math.round(-height / 2 + state.offsetY * frame.height),
  };
}

/**
 * The clip's size: the smallest even box, centred on the frame's centre and no larger than the
 * frame, that holds the subject in every frame. VIDEO_OVERLAY centres the clip, so the subject
 * lands where it would on a full frame; and encoding cost is per pixel (an empty 1080p VP8 frame
 * costs nearly as much as a full one), so a clip of the subject's size is several times cheaper.
 */
export function clipSize(template: ModelTemplate, base: Size, frame: Size): Size {
  let halfWidth = 1;
  let halfHeight = 1;
  for (let index = 0; index < frameCount(template); index += 1) {
    const { width, height, left, top } = placement(template, index, base, frame);
    halfWidth = Math.max(halfWidth, -left, left + width);
    halfHeight = Math.max(halfHeight, -top, top + height);
  }
  return { width: Math.min(frame.width, 2 * halfWidth), height: Math.min(frame.height, 2 * halfHeight) };
}

/** A clip's frames as they are composed, before any encoder: YUVA 4:2:0 (yuva-frame.ts) of `canvas`. */
export interface ClipFrames {
  canvas: Size;
  count: number;
  fps: number;
  frames: AsyncIterable<Buffer>;
}

/**
 * The subject, animated per template.animation on a transparent canvas (clipSize),
 * template.durationMs long at template.fps (frameCount frames), composed here (ffmpeg 4.1's scale
 * cannot change size over time) for ffmpeg to read from a pipe.
 */
export async function composeClip(params: Omit<RenderClipParams, 'outputPath'>): Promise<ClipFrames> {
  const { template } = params;
  const frame = frameFor(params.aspectRatio);
  const base = await loadSubjectRgba(params.subject, subjectBox(template, params.aspectRatio), params.matte);
  const canvas = clipSize(template, base, frame);
  const count = frameCount(template);
  return { canvas, count, fps: template.fps, frames: frames(base, canvas, frame, template, count) };
}

/** CREATE_MEDIA for VIDEO, the clip alone: composed, encoded and probed. */
export async function renderClip(params: RenderClipParams, options: MediaRunOptions = {}): Promise<ClipOutput> {
  if (options.signal?.aborted) throw new MediaAbortedError(options.signal.reason);
  return encodeClip(await composeClip(params), params.outputPath, options);
}

/**
 * The transparent VP8 clip of `composed`'s frames, probed. Its colour and its alpha are encoded by
 * two ffmpeg processes side by side, each to an IVF file, and muxed into the WebM here
 * (webm-alpha.ts): ffmpeg 4.1's libvpx encoder, asked for yuva420p, encodes the alpha itself but
 * passes -cpu-used, -static-thresh and the rest to the colour encoder only, so the alpha ran at
 * libvpx's slowest realtime speed and cost twice the colour (1.6 s of CPU for the bench's clip,
 * on one thread, against 0.45 s without alpha). With the same settings the alpha takes 0.33 s,
 * and the two run on both cores.
 */
export async function encodeClip(composed: ClipFrames, outputPath: string, options: MediaRunOptions = {}): Promise<ClipOutput> {
  const { canvas, fps, count } = composed;
  const [forColour, forAlpha] = teeFrames(composed.frames, 2);
  const colourPath = `${outputPath}.colour.ivf`;
  const alphaPath = `${outputPath}.alpha.ivf`;
  const encode = (path: string, frames: AsyncIterable<Uint8Array>) => (shared: MediaRunOptions) =>
    runFfmpeg(vp8EncoderArgs(canvas, fps, count, path), { ...shared, durationMs: (count * 1_000) / fps, stdin: frames });
  try {
    await sideBySide([encode(colourPath, colourFrames(forColour!, canvas)), encode(alphaPath, alphaFrames(forAlpha!, canvas))], options);
    const [colour, alpha] = await Promise.all([readFile(colourPath), readFile(alphaPath)]);
    await muxVp8WithAlpha({ colour: ivfFrames(colour), alpha: ivfFrames(alpha) }, { ...canvas, fps }, outputPath);
  } finally {
    await Promise.all([rm(colourPath, { force: true }), rm(alphaPath, { force: true })]);
  }
  const probe = await probeVideo(outputPath, { signal: options.signal });
  return { ...probe, path: outputPath, contentType: CLIP_FORMAT.contentType };
}

/** ffmpeg's arguments for one of the clip's VP8 streams, read as raw yuv420p frames from stdin, into an IVF file. */
function vp8EncoderArgs(canvas: Size, fps: number, count: number, outputPath: string): string[] {
  return [
    ...rawYuvaInput(canvas, fps, YUV_PIX_FMT),
    // Realtime mode: twice as fast as 'good' at cpu-used 5, for the same PSNR on this content.
    // A negative cpu-used is a fixed speed. A positive one let libvpx slow down towards speed 4
    // whenever a frame took less than (16 - cpu-used)/16 of its 33 ms, so an idle machine spent
    // the most CPU. static-thresh 100: a macroblock whose residual is below that SSE (under
    // 0.4 per pixel) is coded as a skip and its mode search stops there. Together a third less
    // encoding CPU; the clip is an intermediate, and in the final H.264 the subject's region
    // stays within 0.1 dB of what speed 4 gave (46.57 against 46.61 dB Y PSNR against a
    // lossless clip's composite, textured subject).
    '-c:v',
    'libvpx',
    '-deadline',
    'realtime',
    '-cpu-used',
    '-16',
    '-static-thresh',
    '100',
    '-crf',
    '12',
    '-b:v',
    '16M',
    '-auto-alt-ref',
    '0',
    // One encoder thread: the other core composes the frames (sharp) that feed it. With two,
    // libvpx spent 40 % more CPU on its own for 10 % less time alone, and the flow as a whole
    // (frames and encode together) took longer: 2.30-2.42 s against 2.46-2.79 s a clip.
    '-threads',
    '1',
    '-frames:v',
    String(count),
    '-f',
    'ivf',
    '-y',
    outputPath,
  ];
}

/**
 * Resizes of the subject started ahead of the frame being composed. During the zoom each frame
 * has a size of its own, and a resize (premultiply, Lanczos, unpremultiply) takes longer than
 * VP8 takes to encode a frame: waiting for each one only when its frame is due left the encoder
 * idle through the intro.
 */
const RESIZES_AHEAD = 3;

/**
 * Raw RGBA frames of the canvas, each composed in the same buffer once the previous one is in the
 * pipe (runFfmpeg's stdin contract), rather than in 180 fresh 3.6 MB buffers for the garbage
 * collector. A frame equal to the previous one is not recomposed.
 */
async function* frames(base: RawImage, canvas: Size, frame: Size, template: ModelTemplate, count: number): AsyncGenerator<Buffer> {
  const placements = Array.from({ length: count }, (_, index) => placement(template, index, base, frame));
  const resizes = new Map<string, Promise<RawImage>>();
  const sizeKey = ({ width, height }: Size) => `${width}x${height}`;
  const master = enlargedMaster(base, placements);
  const resizedTo = (size: Size): Promise<RawImage> => {
    const key = sizeKey(size);
    let resized = resizes.get(key);
    if (!resized) {
      resized =
        master && isLarger(size, base) ? master.then((large) => (sameSize(large, size) ? large : resize(large, size))) : resize(base, size);
      // Started ahead: if the caller stops early, nobody awaits it.
      resized.catch(() => {});
      resizes.set(key, resized);
    }
    return resized;
  };
  const needsResize = (size: Size) => size.width > 0 && size.height > 0 && (size.width !== base.width || size.height !== base.height);
  const pixels = new YuvaCanvas(canvas);
  let previousKey: string | undefined;
  for (let index = 0; index < count; index += 1) {
    for (let ahead = index; ahead < Math.min(count, index + RESIZES_AHEAD); ahead += 1) {
      if (needsResize(placements[ahead]!)) void resizedTo(placements[ahead]!);
    }
    const { width, height, left, top } = placements[index]!;
    const key = `${width}x${height}${left}${top}`;
    if (previousKey === key) {
      yield pixels.buffer;
      continue;
    }
    pixels.clear();
    if (width > 0 && height > 0) {
      const image = needsResize({ width, height }) ? await resizedTo({ width, height }) : base;
      drawAt(pixels, image, left + canvas.width / 2, top + canvas.height / 2);
    }
    // Sizes come in runs: a size no frame within the look-ahead has is done with.
    for (const done of resizes.keys()) {
      if (!placements.slice(index + 1, index + 1 + RESIZES_AHEAD).some((next) => sizeKey(next) === done)) resizes.delete(done);
    }
    previousKey = key;
    yield pixels.buffer;
  }
}

const isLarger = (size: Size, than: Size) => size.width > than.width || size.height > than.height;
const sameSize = (a: Size, b: Size) => a.width === b.width && a.height === b.height;

/**
 * The subject at the largest size the zoom reaches, enlarged once, when any frame is larger than
 * the subject: every larger frame is then a reduction of it. A Lanczos enlargement cost 35 ms a
 * frame against 13 ms for a reduction, and the encoder waited on them through the intro; the
 * double resampling of a swell of ~9 % is not visible.
 */
function enlargedMaster(base: RawImage, placements: Size[]): Promise<RawImage> | undefined {
  const largest = placements.reduce<Size | undefined>(
    (max, size) => (isLarger(size, base) && (!max || size.width * size.height > max.width * max.height) ? size : max),
    undefined,
  );
  if (!largest) return undefined;
  const master = resize(base, { width: largest.width, height: largest.height });
  // Started ahead: if the caller stops early, nobody awaits it.
  master.catch(() => {});
  return master;
}

async function resize(image: RawImage, size: Size): Promise<RawImage> {
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return { data, ...size };
}

/** Each image's YUVA copies, one per parity of position, made when first drawn and gone with the image. */
const converted = new WeakMap<RawImage, Map<number, YuvaImage>>();

/** Draws `image` (RGBA) at (left, top) of the frame, from its YUVA copy for that position's parity. */
function drawAt(canvas: YuvaCanvas, image: RawImage, left: number, top: number): void {
  const shiftX = (left & 1) as 0 | 1;
  const shiftY = (top & 1) as 0 | 1;
  let copies = converted.get(image);
  if (!copies) {
    copies = new Map();
    converted.set(image, copies);
  }
  let copy = copies.get(shiftX * 2 + shiftY);
  if (!copy) {
    copy = toYuva(image, shiftX, shiftY);
    copies.set(shiftX * 2 + shiftY, copy);
  }
  canvas.draw(copy, left - shiftX, top - shiftY);
}
