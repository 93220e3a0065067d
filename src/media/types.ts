/** What every image step returns: an encoded image the runner can upload as is. */
export interface ImageOutput {
  data: Buffer;
  width: number;
  height: number;
  contentType: 'image/png';
}

/** Controls for the steps that run ffmpeg; the runner owns the signal and the progress sink. */
export interface MediaRunOptions {
  /** Aborting kills ffmpeg (SIGTERM, then SIGKILL after a grace period) and rejects with MediaAbortedError. */
  signal?: AbortSignal;
  /** Progress of this step, 0..1, non-decreasing, ending at exactly 1 on success. */
  onProgress?: (fraction: number) => void;
  /** Kill ffmpeg and fail with a TIMEOUT FfmpegError after this long; defaults to 15 minutes. */
  timeoutMs?: number;
}
