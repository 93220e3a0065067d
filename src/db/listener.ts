import pg from 'pg';
import type { Logger } from '../logger.ts';

export interface Listener {
  stop(): Promise<void>;
}

export interface ListenOptions {
  url: string;
  channels: readonly string[];
  onNotification: (channel: string, payload: string) => void;
  /**
   * After every successful LISTEN, the first one too: from then on no notification is missed.
   * Notifications sent while the connection was down are lost, so callers re-read what they follow.
   */
  onListening?: () => void;
  logger: Logger;
}

/**
 * LISTENs on one dedicated connection (a pooled one would lose its LISTEN when returned) and
 * reconnects by itself, with backoff, after the server restarts or the connection drops.
 */
export function listen(options: ListenOptions): Listener {
  const listener = new ReconnectingListener(options);
  void listener.connect(false);
  return listener;
}

class ReconnectingListener implements Listener {
  private readonly options: ListenOptions;
  private client: pg.Client | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(options: ListenOptions) {
    this.options = options;
  }

  async connect(isReconnect: boolean): Promise<void> {
    const { url, channels, onNotification, onListening, logger } = this.options;
    // TCP keep-alive probes after 10 s idle, so a connection that died silently is noticed in ~a minute, not hours.
    const next = new pg.Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    next.on('notification', (message) => onNotification(message.channel, message.payload ?? ''));
    next.on('error', (error) => {
      logger.warn({ err: error }, 'LISTEN connection failed; reconnecting');
      this.scheduleReconnect(next);
    });
    next.on('end', () => this.scheduleReconnect(next));
    try {
      await next.connect();
      for (const channel of channels) await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (this.stopped) {
        await next.end().catch(() => {});
        return;
      }
      this.client = next;
      this.failures = 0;
      if (isReconnect) logger.info({ channels }, 'LISTEN connection restored');
      onListening?.();
    } catch (error) {
      logger.warn({ err: error }, 'LISTEN connection could not be opened; retrying');
      this.scheduleReconnect(next);
    }
  }

  private scheduleReconnect(failed: pg.Client): void {
    if (this.stopped || this.retryTimer || (this.client !== undefined && this.client !== failed)) return;
    this.client = undefined;
    failed.removeAllListeners('end');
    void failed.end().catch(() => {});
    // 0.25 s, 0.5 s, 1 s ... at most 5 s between tries.
    const delay = Math.min(5000, 250 * 2 ** this.failures++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect(true);
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const current = this.client;
    this.client = undefined;
    if (current) {
      current.removeAllListeners('end');
      await current.end().catch(() => {});
    }
  }
}
