import { LRUCache } from 'lru-cache';

/** A live key, as the request that presents it needs it. */
export interface KnownKey {
  keyId: string;
  customerId: string;
}

/** Live keys remembered at once; past it the least recently used is looked up again. */
const MAX_KEYS = 10_000;

/**
 * Which customer a key (by its hash) belongs to, for `ttlSeconds`: most requests then need no
 * database round trip to authenticate. Only live keys are kept, never a miss, so unknown keys
 * cannot fill it. A revocation is forgotten at once here and, by NOTIFY, in every other process;
 * the TTL bounds a notification that never arrived.
 */
export class ApiKeyCache {
  private readonly keys: LRUCache<string, KnownKey> | undefined;
  /** Bumped by every forget: a lookup that began before one must not store what it read. */
  private generation = 0;

  constructor(ttlSeconds: number) {
    this.keys = ttlSeconds > 0 ? new LRUCache({ max: MAX_KEYS, ttl: ttlSeconds * 1000 }) : undefined;
  }

  get(keyHash: string): KnownKey | undefined {
    return this.keys?.get(keyHash);
  }

  /** Taken before a database lookup and handed to `remember` after it. */
  ticket(): number {
    return this.generation;
  }

  /** Stores what a lookup read, unless a key was forgotten meanwhile (the row read may be the revoked one). */
  remember(keyHash: string, key: KnownKey, ticket: number): void {
    if (ticket === this.generation) this.keys?.set(keyHash, key);
  }

  /** A key was revoked. */
  forgetKey(keyId: string): void {
    this.generation += 1;
    if (!this.keys) return;
    for (const [hash, key] of this.keys.entries()) {
      if (key.keyId === keyId) this.keys.delete(hash);
    }
  }

  /** Revocations may have been missed (the LISTEN connection was down): start over. */
  forgetAll(): void {
    this.generation += 1;
    this.keys?.clear();
  }
}
