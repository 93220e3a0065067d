import type { Logger } from '../logger.ts';
import { UnauthenticatedError } from '../modules/shared/errors.ts';

/** Open subscriptions check that their API keys still stand this often: a revoked key's end within 5 s. */
const KEY_CHECK_MS = 2000;

/** Which of these keys are revoked (CustomersService). */
export type KeyChecker = { revokedKeys(keyIds: readonly string[]): Promise<string[]> };

/** What the sweep ends: an open subscription's stream. */
interface Endable {
  fail(error: unknown): void;
}

/**
 * Ends, with UNAUTHENTICATED, every open stream whose API key was revoked since it opened. The key
 * is checked when a subscription starts; this sweep covers the ones already running, in one query
 * for every key with an open stream.
 */
export class RevokedKeySweep {
  /** Open streams by the API key they were opened with. */
  private readonly streamsByKey = new Map<string, Set<Endable>>();
  private readonly timer: NodeJS.Timeout;

  private readonly keys: KeyChecker;
  private readonly logger: Logger;
  constructor(keys: KeyChecker, logger: Logger) {
    this.keys = keys;
    this.logger = logger;
    this.timer = setInterval(() => void this.sweep(), KEY_CHECK_MS);
    this.timer.unref();
  }

  /** Follows the stream's key until the returned function is called (when the stream ends). */
  track(keyId: string, stream: Endable): () => void {
    const streams = this.streamsByKey.get(keyId) ?? new Set();
    this.streamsByKey.set(keyId, streams.add(stream));
    return () => {
      streams.delete(stream);
      if (streams.size === 0 && this.streamsByKey.get(keyId) === streams) this.streamsByKey.delete(keyId);
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    if (this.streamsByKey.size === 0) return;
    let revoked: string[];
    try {
      revoked = await this.keys.revokedKeys([...this.streamsByKey.keys()]);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not check the API keys of open subscriptions; trying again');
      return;
    }
    for (const keyId of revoked) {
      for (const stream of [...(this.streamsByKey.get(keyId) ?? [])])
        stream.fail(new UnauthenticatedError('The API key of this subscription was revoked'));
    }
  }
}
