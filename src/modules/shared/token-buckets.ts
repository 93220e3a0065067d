/**
 * A token bucket per key, in this process's memory: with N API processes a key may get up to N
 * times the rate in total. Holds no timers; a bucket is refilled when it is next used.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * @param ratePerSecond tokens added per second, and the bucket's size: a one-second burst.
   * @param now milliseconds; injected so tests move time instead of sleeping.
   */
  private readonly ratePerSecond: number;
  private readonly now: () => number;
  constructor(ratePerSecond: number, now: () => number) {
    this.ratePerSecond = ratePerSecond;
    this.now = now;
  }

  /** Takes a token for the key; when there is none, how many seconds until there is. */
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    const bucket = this.refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond)) };
  }

  private refilled(key: string, now: number): { tokens: number; at: number } {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      // 10,000 keys of idle full buckets is about 1 MB: past that, drop the full ones (they carry no state).
      if (this.buckets.size >= 10_000) this.dropFull(now);
      bucket = { tokens: this.ratePerSecond, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    // A clock that steps back adds nothing rather than taking tokens away.
    const elapsedSeconds = Math.max(0, now - bucket.at) / 1000;
    bucket.tokens = Math.min(this.ratePerSecond, bucket.tokens + elapsedSeconds * this.ratePerSecond);
    bucket.at = Math.max(bucket.at, now);
    return bucket;
  }

  private dropFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * this.ratePerSecond >= this.ratePerSecond) this.buckets.delete(key);
    }
  }
}
