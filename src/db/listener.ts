import pg from 'pg';
import type { Logger } from '../logger.ts';

export interface Listener {
  stop(): Promise<void>;
}

/**
 * LISTENs on one dedicated connection (a pooled one would lose its LISTEN when returned) and
 * reconnects by itself, with backoff, after the server restarts or the connection drops.
 * `onReconnect` runs after every reconnect: notifications sent while we were away are lost,
 * so callers re-read whatever state they follow.
 */
export function listen(options: {
  url: string;
  channels: readonly string[];
  onNotification: (channel: string, payload: string) => void;
  onReconnect?: () => void;
  /** After every successful LISTEN, the first one too: from then on no notification is missed. */
  onListening?: () => void;
  logger: Logger;
}): Listener {
  const { url, channels, onNotification, onReconnect, onListening, logger } = options;
  let client: pg.Client | undefined;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  const connect = async (isReconnect: boolean) => {
    // TCP keep-alive probes after 10 s idle, so a connection that died silently is noticed in ~a minute, not hours.
    const next = new pg.Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    next.on('notification', (message) => onNotification(message.channel, message.payload ?? ''));
    next.on('error', (error) => {
      logger.warn({ err: error }, 'LISTEN connection failed; reconnecting');
      scheduleReconnect(next);
    });
    next.on('end', () => scheduleReconnect(next));
    try {
      await next.connect();
      for (const channel of channels) await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (stopped) {
        await next.end().catch(() => {});
        return;
      }
      client = next;
      failures = 0;
      if (isReconnect) {
        logger.info({ channels }, 'LISTEN connection restored');
        onReconnect?.();
      }
      onListening?.();
    } catch (error) {
      logger.warn({ err: error }, 'LISTEN connection could not be opened; retrying');
      scheduleReconnect(next);
    }
  };

  const scheduleReconnect = (failed: pg.Client) => {
    if (stopped || retryTimer || (client !== undefined && client !== failed)) return;
    client = undefined;
    failed.removeAllListeners('end');
    void failed.end().catch(() => {});
    // 0.25 s, 0.5 s, 1 s ... at most 5 s between tries.
    const delay = Math.min(5000, 250 * 2 ** failures++);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect(true);
    }, delay);
  };

  void connect(false);
  return {
    stop: async () => {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      if (current) {
        current.removeAllListeners('end');
        await current.end().catch(() => {});
      }
    },
  };
}
