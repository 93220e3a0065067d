import fs from 'node:fs/promises';
import { MediaAbortedError } from './errors.ts';
import { runFfmpeg } from './ffmpeg.ts';
import { evenFloor, frameFor, parseHexColor, type Rgb, type Size, subjectBox } from './layout.ts';
import { probeVideo, type VideoProbe } from './probe.ts';
import { frameCount } from './render-clip.ts';
import type { ModelTemplate } from './template.ts';
import { renderTitle, type TitleSprite } from './title.ts';
import type { MediaRunOptions } from './types.ts';
import { rawYuvaInput } from './yuva-frame.ts';

export interface VideoOverlayParams {
  /** CREATE_MEDIA's transparent clip (any container ffmpeg reads; WebM VP8/VP9 keep their alpha). */
  clipPath: string;
  /** Where the MP4 goes. */
  outputPath: string;
  template: ModelTemplate;
  aspectRatio: string;
  /** The workflow title, drawn over the background below the subject (see renderTitle). */
  title?: string | null;
}

export interface VideoOverlayOutput extends VideoProbe {
  path: string;
  /** video/x-matroska only for the lossless reference (OverlayFramesParams.encoding). */
  contentType: 'video/mp4' | 'video/x-matroska';
}

/**
 * VIDEO_OVERLAY: the model's background, the title (when the template has a style for it) and the
 * clip, centred, on top, into H.264 High / yuv420p / BT.709 MP4 with +faststart, exactly
 * frameCount(template) frames at template.fps (so its duration is template.durationMs to within
 * half a frame). The result is probed: width, height, durationMs, codec, pixFmt come from the file itself.
 * This reads the stored clip: a run resumed after CREATE_MEDIA; a whole run overlays the
 * composed frames themselves (overlayFrames), as they are encoded into the clip.
 */
export async function overlayVideo(params: VideoOverlayParams, options: MediaRunOptions = {}): Promise<VideoOverlayOutput> {
  if (options.signal?.aborted) throw new MediaAbortedError(options.signal.reason);
  const clip = await probeVideo(params.clipPath, { signal: options.signal });
  // Only libvpx decodes the alpha plane of a WebM VP8/VP9 stream; the native decoders drop it.
  const decoder = clip.codec === 'vp8' ? ['-c:v', 'libvpx'] : clip.codec === 'vp9' ? ['-c:v', 'libvpx-vp9'] : [];
  return overlay([...decoder, '-i', params.clipPath], params, options);
}

export interface OverlayFramesParams extends Omit<VideoOverlayParams, 'clipPath'> {
  /** The clip's frames as composed (composeClip), YUVA 4:2:0 of `clipSize`. */
  frames: AsyncIterable<Uint8Array>;
  clipSize: Size;
  /** 'lossless': x264 at qp 0 instead of the delivery settings, the reference a rendition's quality is measured against. */
  encoding?: 'delivery' | 'lossless';
  /** The title already being rendered (overlayTitle), so that it is not waited for after the frames are ready. */
  titleSprite?: Promise<TitleSprite | null>;
}

/** VIDEO_OVERLAY of frames as they are composed, with no clip encoded and decoded in between. */
export function overlayFrames(params: OverlayFramesParams, options: MediaRunOptions = {}): Promise<VideoOverlayOutput> {
  if (options.signal?.aborted) return Promise.reject(new MediaAbortedError(options.signal.reason));
  const output = params.encoding === 'lossless' ? LOSSLESS_OUTPUT : DELIVERY_OUTPUT;
  return overlay(rawYuvaInput(params.clipSize, params.template.fps), params, { ...options, stdin: params.frames }, output);
}

/** The overlay, its clip read by `clipInput` (ffmpeg's input 0), then the output probed. */
async function overlay(
  clipInput: string[],
  params: Omit<VideoOverlayParams, 'clipPath'> & Pick<OverlayFramesParams, 'titleSprite'>,
  options: MediaRunOptions & { stdin?: AsyncIterable<Uint8Array> },
  output: EncodedAs = DELIVERY_OUTPUT,
): Promise<VideoOverlayOutput> {
  const { template } = params;
  const frame = frameFor(params.aspectRatio);
  const frames = frameCount(template);
  const title = await (params.titleSprite ?? overlayTitle(params));
  const titlePath = `${params.outputPath}.title.png`;
  if (title) await fs.writeFile(titlePath, title.png);
  try {
    await runFfmpeg(
      [
        ...clipInput,
        '-filter_complex',
        overlayGraph(template, frame, title && { ...title, path: titlePath }),
        '-map',
        '[out]',
        '-an',
        '-frames:v',
        String(frames),
        '-r',
        String(template.fps),
        ...output.args,
        '-y',
        params.outputPath,
      ],
      { ...options, durationMs: (frames * 1_000) / template.fps },
    );
  } finally {
    if (title) await fs.rm(titlePath, { force: true });
  }
  const probe = await probeVideo(params.outputPath, { signal: options.signal });
  return { ...probe, path: params.outputPath, contentType: output.contentType };
}

/** The workflow title as the overlay draws it, or null when there is none or the template has no style for it. */
export function overlayTitle(params: Pick<VideoOverlayParams, 'title' | 'template' | 'aspectRatio'>): Promise<TitleSprite | null> {
  return renderTitle(params.title, params.template, frameFor(params.aspectRatio), subjectBox(params.template, params.aspectRatio));
}

/**
 * The title over the background, then the clip (input 0) on top. The title image is read by the
 * graph itself and looped like the lights: as a second ffmpeg input, ffmpeg 4.1 made one output
 * frame and duplicated it to the end.
 */
function overlayGraph(template: ModelTemplate, frame: Size, title: (TitleSprite & { path: string }) | null): string {
  const background = title ? '[bare]' : '[bg]';
  return [
    ...backgroundFilters(template, frame, background),
    ...(title
      ? [
          `movie=filename=${filterPath(title.path)},scale=out_color_matrix=bt709:out_range=tv,format=yuva420p,loop=loop=-1:size=1,${renumber(template.fps)}[title]`,
          `[bare][title]overlay=x=${title.left}:y=${title.top}:format=yuv420[bg]`,
        ]
      : []),
    // Renumbered like the background: WebM stores millisecond timestamps (0, 33, 67...), and frame 2
    // at 67 ms would lose to the background's frame 2 at 66.7 ms, repeating frame 1.
    `[0:v]${renumber(template.fps)}[clip]`,
    `[bg][clip]overlay=x=(W-w)/2:y=(H-h)/2:format=yuv420:eof_action=repeat,format=yuv420p[out]`,
  ].join(';');
}

/** A path as a filter option value inside a filtergraph: escaped once for the option, once for the graph (ffmpeg-filters, "Notes on filtergraph escaping"). */
function filterPath(file: string): string {
  return file.replace(/[\\':]/g, '\\$&').replace(/[\\'[\],;]/g, '\\$&');
}

/** H.264 High, yuv420p, BT.709 limited range, moov first: what every player and browser plays. */
const H264_OUTPUT = [
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-crf',
  '20',
  '-profile:v',
  'high',
  '-pix_fmt',
  'yuv420p',
  '-colorspace',
  'bt709',
  '-color_primaries',
  'bt709',
  '-color_trc',
  'bt709',
  '-color_range',
  'tv',
  '-movflags',
  '+faststart',
  '-f',
  'mp4',
];

/** Every frame exactly as the graph made it (4:2:0, as the delivery encode gets it), in Matroska. */
const LOSSLESS_OUTPUT: EncodedAs = {
  args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', '-f', 'matroska'],
  contentType: 'video/x-matroska',
};

/** An overlay's encoder and container, with the content type of the file they make. */
interface EncodedAs {
  args: readonly string[];
  contentType: VideoOverlayOutput['contentType'];
}

const DELIVERY_OUTPUT: EncodedAs = { args: H264_OUTPUT, contentType: 'video/mp4' };

/**
 * The model's background video as filtergraph chains ending in `label`, made from the template's
 * colours at run time: a vertical gradient (background[0] at the top, [1] at the bottom) under two
 * soft lights, each a pure, bright version of one of the colours, drifting on a loop as long as
 * the clip. The gradient and the light sprites are drawn once with geq at a quarter of their size
 * (geq on a full 1080p frame costs ~0.3 s, per frame) and then only moved: overlay is cheap.
 * Each light is a disc (radius 0.275 x the shorter side) whose path keeps it off the frame's corners.
 */
export function backgroundFilters(template: ModelTemplate, frame: Size, label: string): string[] {
  const top = parseHexColor(template.background[0]);
  const bottom = parseHexColor(template.background[1]);
  const fps = template.fps;
  const period = (frameCount(template) / fps).toFixed(4);
  const quarter = { width: evenFloor(frame.width / 4), height: evenFloor(frame.height / 4) };
  const channel = (c: 'r' | 'g' | 'b') => `${c}='${top[c]}+(${bottom[c] - top[c]})*Y/(H-1)'`;
  const loop = `loop=loop=-1:size=1,${renumber(fps)}`;
  const lightSize = evenFloor(Math.min(frame.width, frame.height) * 0.55);
  const light = (color: Rgb, name: string) => {
    const { r, g, b } = brightest(color);
    const sprite = Math.max(16, evenFloor(lightSize / 4));
    return (
      `color=c=black@0:s=${sprite}x${sprite}:r=1:d=1,format=rgba,` +
      `geq=r='${r}':g='${g}':b='${b}':a='140*pow(max(0,1-(pow(2*X/W-1,2)+pow(2*Y/H-1,2))),2)',` +
      `scale=${lightSize}:${lightSize}:flags=bicubic:out_color_matrix=bt709,format=yuva420p,${loop}[${name}]`
    );
  };
  const wave = (phase: string) => `sin(2*PI*t/${period}${phase})`;
  return [
    `color=c=black:s=${quarter.width}x${quarter.height}:r=1:d=1,format=gbrp,` +
      `geq=${channel('r')}:${channel('g')}:${channel('b')},` +
      `scale=${frame.width}:${frame.height}:flags=bicubic:out_color_matrix=bt709:out_range=tv,format=yuv420p,${loop}[gradient]`,
    light(bottom, 'lightA'),
    light(top, 'lightB'),
    `[gradient][lightA]overlay=format=yuv420:x='W*(0.5+0.25*${wave('')})-w/2':y='H*(0.28+0.05*${wave('*2')})-h/2'[lit]`,
    `[lit][lightB]overlay=format=yuv420:x='W*(0.5-0.25*${wave('+PI/3')})-w/2':y='H*(0.72+0.05*${wave('*2+PI/2')})-h/2'${label}`,
  ];
}

/**
 * Frame n at exactly n/fps, in a 1/fps time base: a source made at 1 frame/s has a 1 s time base,
 * where setpts=N/(fps*TB) would round the first fps frames all to 0.
 */
function renumber(fps: number): string {
  return `settb=1/${fps},setpts=N`;
}

/** The colour's hue at full brightness: its largest channel raised to 255 (a dark gold becomes gold). */
function brightest(color: Rgb): Rgb {
  const max = Math.max(color.r, color.g, color.b, 1);
  return {
    r: Math.round((color.r * 255) / max),
    g: Math.round((color.g * 255) / max),
    b: Math.round((color.b * 255) / max),
  };
}
