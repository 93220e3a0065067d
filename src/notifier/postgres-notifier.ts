import pg from 'pg';
import type { Logger } from '../logger.ts';
import type { Notifier, NotifierHandlers, NotifierSubscription } from './notifier.ts';

/**
 * LISTEN/NOTIFY: nothing to run besides PostgreSQL. LISTEN is session state, so `listenUrl` must
 * reach PostgreSQL directly: through PgBouncer in transaction mode the registration is silently lost.
 */
export function createPostgresNotifier(options: { listenUrl: string; logger: Logger }): Notifier {
  return {
    kind: 'postgres',
    subscribe: (channels, handlers) => {
      const listener = new ReconnectingListener(options.listenUrl, channels, handlers, options.logger);
      void listener.connect(false);
      return listener;
    },
    stop: async () => {},
  };
}

/**
 * LISTENs on one dedicated connection (a pooled one would lose its LISTEN when returned) and
 * reconnects by itself, with backoff, after the server restarts or the connection drops. Calls
 * onResync after every successful LISTEN, the first one too: from then on no notification is
 * missed, and what was sent while the connection was down is lost.
 */
class ReconnectingListener implements NotifierSubscription {
  private client: pg.Client | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  private readonly url: string;
  private readonly channels: readonly string[];
  private readonly handlers: NotifierHandlers;
  private readonly logger: Logger;
  constructor(url: string, channels: readonly string[], handlers: NotifierHandlers, logger: Logger) {
    this.url = url;
    this.channels = channels;
    this.handlers = handlers;
    this.logger = logger;
  }

  async connect(isReconnect: boolean): Promise<void> {
    const { channels, handlers, logger } = this;
    // TCP keep-alive probes after 10 s idle, so a connection that died silently is noticed in ~a minute, not hours.
    const next = new pg.Client({ connectionString: this.url, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    next.on('notification', (message) => handlers.onMessage(message.channel, message.payload ?? ''));
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
      handlers.onResync?.();
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
