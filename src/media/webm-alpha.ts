import { EncodedPacket, EncodedVideoPacketSource, FilePathTarget, Output, WebMOutputFormat } from 'mediabunny';
import { MediaError } from './errors.ts';
import type { Size } from './layout.ts';

const IVF_SIGNATURE = 'DKIF';
const IVF_FRAME_HEADER_BYTES = 12;

/**
 * The frames of an IVF file, the plain container ffmpeg writes a VP8 stream to: a header (its
 * length at byte 6), then each frame after 12 bytes of its size and timestamp.
 */
export function ivfFrames(file: Buffer): Buffer[] {
  if (file.toString('latin1', 0, 4) !== IVF_SIGNATURE) throw new MediaError('the VP8 encoder wrote no IVF file', 'FFMPEG_FAILED');
  const frames: Buffer[] = [];
  for (let at = file.readUInt16LE(6); at + IVF_FRAME_HEADER_BYTES <= file.length; ) {
    const size = file.readUInt32LE(at);
    frames.push(file.subarray(at + IVF_FRAME_HEADER_BYTES, at + IVF_FRAME_HEADER_BYTES + size));
    at += IVF_FRAME_HEADER_BYTES + size;
  }
  return frames;
}

/** A VP8 frame's first bit is 0 on a key frame (RFC 6386, 9.1). */
const isKeyFrame = (frame: Uint8Array) => (frame[0]! & 1) === 0;

/**
 * A WebM of VP8 colour frames, each carrying the same frame's alpha (a second VP8 stream whose
 * luma is the alpha) as its BlockAdditional, with the track's AlphaMode set: the form browsers
 * and libvpx read as transparent VP8, and the one ffmpeg's libvpx encoder writes itself. A frame is
 * marked key only when both of its streams are, so that a player seeking there can decode both.
 */
export async function muxVp8WithAlpha(
  streams: { colour: Buffer[]; alpha: Buffer[] },
  video: Size & { fps: number },
  outputPath: string,
): Promise<void> {
  const { colour, alpha } = streams;
  if (colour.length === 0 || colour.length !== alpha.length) {
    throw new MediaError(`the VP8 encoders made ${colour.length} colour and ${alpha.length} alpha frames`, 'FFMPEG_FAILED');
  }
  const output = new Output({ format: new WebMOutputFormat(), target: new FilePathTarget(outputPath) });
  const source = new EncodedVideoPacketSource('vp8');
  output.addVideoTrack(source, { frameRate: video.fps });
  await output.start();
  const decoderConfig = { codec: 'vp8', codedWidth: video.width, codedHeight: video.height };
  for (let index = 0; index < colour.length; index += 1) {
    const [frame, frameAlpha] = [colour[index]!, alpha[index]!];
    const type = isKeyFrame(frame) && isKeyFrame(frameAlpha) ? 'key' : 'delta';
    const packet = new EncodedPacket(frame, type, index / video.fps, 1 / video.fps, -1, undefined, { alpha: frameAlpha });
    await source.add(packet, index === 0 ? { decoderConfig } : undefined);
  }
  await output.finalize();
}
