import { publishAfterCommit } from '../db/after-commit.ts';

export interface NotifierHandlers {
  onMessage(channel: string, payload: string): void;
  /**
   * After every (re)subscription, the first one too: messages sent while the connection was down
   * are lost, so the caller re-reads whatever state it follows.
   */
  onResync?(): void;
}

export interface NotifierSubscription {
  stop(): Promise<void>;
}

/**
 * The bus between processes: job wake-ups, progress events, key revocations. A message is a hint,
 * never the data: a missed one costs a reader at most its polling interval.
 */
export interface Notifier {
  readonly kind: 'postgres' | 'redis';
  /** One connection of its own per subscription, reconnecting by itself. */
  subscribe(channels: readonly string[], handlers: NotifierHandlers): NotifierSubscription;
  /** Closes the publishing connection (subscriptions are stopped by their owners). */
  stop(): Promise<void>;
}

/**
 * Both notifiers publish through the database: NOTIFY inside the transaction for Postgres, the
 * pool's after-commit hook for Redis (the database is created with the Redis notifier as its
 * publisher), so callers need the transaction only, never the notifier.
 */
export const publishMessage = publishAfterCommit;
