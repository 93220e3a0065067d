import type { Viewer } from '../modules/auth/viewer.ts';
import { RateLimitedError } from '../modules/shared/errors.ts';
import type { SubscriptionCounts } from './subscription-counts.ts';

export interface SubscriptionLimits {
  maxSubscriptionsPerConnection: number;
  maxSubscriptionsPerKey: number;
}

/** Who asks for a subscription, and over what. */
export interface SlotRequest {
  viewer: Viewer;
  /** The WebSocket (or the HTTP request, for SSE) the subscription runs on. */
  connection: object;
  /** Counts for the per-key limit when there is no key. */
  remoteAddress: string | undefined;
}

/**
 * The open subscriptions of this process, per connection and per key, held under the limits. The
 * per-key count includes the other API processes' (`sharedCounts`), so a key cannot open its limit
 * on every process behind the load balancer.
 */
export class SubscriptionSlots {
  private readonly perConnection = new WeakMap<object, number>();
  private readonly perKey = new Map<string, number>();

  private readonly limits: SubscriptionLimits;
  private readonly sharedCounts: Pick<SubscriptionCounts, 'others' | 'set'> | undefined;
  constructor(limits: SubscriptionLimits, sharedCounts?: Pick<SubscriptionCounts, 'others' | 'set'>) {
    this.limits = limits;
    this.sharedCounts = sharedCounts;
  }

  /** Takes a slot, or throws RATE_LIMITED; returns its release (safe to call more than once). */
  async acquire({ viewer, connection, remoteAddress }: SlotRequest): Promise<() => void> {
    const { maxSubscriptionsPerConnection, maxSubscriptionsPerKey } = this.limits;
    const key = budgetKey(viewer, remoteAddress);
    const elsewhere = (await this.sharedCounts?.others(key)) ?? 0;
    const onConnection = this.perConnection.get(connection) ?? 0;
    if (onConnection >= maxSubscriptionsPerConnection) {
      throw new RateLimitedError(
        `At most ${maxSubscriptionsPerConnection} subscriptions may be open on one connection; complete one first`,
        1,
      );
    }
    const ofKey = this.perKey.get(key) ?? 0;
    if (ofKey + elsewhere >= maxSubscriptionsPerKey) {
      throw new RateLimitedError(`At most ${maxSubscriptionsPerKey} subscriptions may be open for one API key; complete one first`, 1);
    }
    this.perConnection.set(connection, onConnection + 1);
    this.perKey.set(key, ofKey + 1);
    this.sharedCounts?.set(key, ofKey + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(connection, key);
    };
  }

  private release(connection: object, key: string): void {
    this.perConnection.set(connection, (this.perConnection.get(connection) ?? 1) - 1);
    const left = (this.perKey.get(key) ?? 1) - 1;
    if (left > 0) this.perKey.set(key, left);
    else this.perKey.delete(key);
    this.sharedCounts?.set(key, left);
  }
}

/** Every key of a customer shares its budget; callers with no key are counted by address. */
function budgetKey(viewer: Viewer, remoteAddress: string | undefined): string {
  if (viewer.kind === 'customer') return `customer:${viewer.customerId}`;
  if (viewer.kind === 'admin') return 'admin';
  return `anonymous:${remoteAddress ?? '?'}`;
}
