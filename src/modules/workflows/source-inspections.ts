import pLimit, { type LimitFunction } from 'p-limit';
import { type ImageInfo, readImageHeader } from '../../media/image.ts';
import { RateLimitedError } from '../shared/errors.ts';
import type { KeyRateLimiter } from '../shared/key-rate-limiter.ts';

export interface SourceInspectionLimits {
  sourceInspectionsPerSecond: number;
  maxConcurrentInspections: number;
  maxQueuedInspections: number;
  maxSourcePixels: number;
}

/**
 * How createWorkflow looks at a source image, under two limits. Per customer (its keys together,
 * as logError counts), a rate, taken before the source is read (an upload is up to 25 MB from the
 * bucket): one customer cannot keep a process reading and inspecting for everyone else. Per process, a concurrency cap: sharp runs on libuv's
 * thread pool (4 threads), which file reads and the S3 client's DNS lookups share, so inspections
 * never hold more than `maxConcurrentInspections` of its threads.
 *
 * Past the cap, a short queue rather than a refusal: a header read takes well under a millisecond,
 * so a legitimate burst (50 creates at once) waits microseconds instead of failing. The queue is
 * bounded; past it the answer is RATE_LIMITED at once, never a pile of waiting requests.
 */
export class SourceInspections {
  private readonly slots: LimitFunction;
  private readonly rateLimiter: KeyRateLimiter;
  private readonly limits: SourceInspectionLimits;
  constructor(rateLimiter: KeyRateLimiter, limits: SourceInspectionLimits) {
    this.rateLimiter = rateLimiter;
    this.limits = limits;
    this.slots = pLimit(limits.maxConcurrentInspections);
  }

  /** Takes one of the caller's inspections; RateLimitedError when they are spent for this second. */
  async admit(rateKey: string): Promise<void> {
    const taken = await this.rateLimiter.take(rateKey);
    if (taken.ok) return;
    throw new RateLimitedError(
      `Too many createWorkflow sources for this API key (at most ${this.limits.sourceInspectionsPerSecond} a second); retry in ${taken.retryAfterSeconds} s`,
      taken.retryAfterSeconds,
    );
  }

  /** The image's header, checked (format, dimensions, pixel count; see readImageHeader), read in one of the process's slots. */
  inspect(bytes: Uint8Array): Promise<ImageInfo> {
    if (this.slots.pendingCount >= this.limits.maxQueuedInspections) {
      return Promise.reject(
        new RateLimitedError(
          `This server is inspecting too many images at once (${this.limits.maxQueuedInspections} waiting); retry in 1 s`,
          1,
        ),
      );
    }
    return this.slots(() => readImageHeader(bytes, this.limits.maxSourcePixels));
  }
}
