import { Redis } from 'ioredis';
import type { Publisher } from '../db/after-commit.ts';
import type { Logger } from '../logger.ts';
import type { Notifier } from './notifier.ts';

export type RedisNotifier = Notifier &
  Publisher & {
    /** The publishing connection, for other short commands (the shared rate limits). */
    client: Redis;
  };

/**
 * Redis pub/sub: LISTEN connections no longer count against PostgreSQL, and PgBouncer needs no
 * direct connection for them. Messages leave after their transaction commits (the pool's
 * after-commit hook calls `publish`); one sent while Redis is away is lost, as a NOTIFY would be
 * while a listener reconnects, and costs the reader its polling interval.
 *
 * Channels are prefixed with `namespace` (the database name), so deployments may share one Redis.
 */
export function createRedisNotifier(options: { url: string; namespace: string; logger: Logger }): RedisNotifier {
  const { logger } = options;
  const prefix = `framewright:${options.namespace}:`;
  // Publishes are fire and forget. One made while the connection is being (re)made waits for it;
  // past one failed reconnect it is dropped (logged) rather than queued without bound.
  const publisher = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let warned = false;
  publisher.on('error', (error: Error) => {
    if (!warned) logger.warn({ err: error }, 'Redis publishing connection failed; reconnecting');
    warned = true;
  });
  publisher.on('ready', () => (warned = false));
  void publisher.connect().catch(() => {});
  return {
    kind: 'redis',
    client: publisher,
    publish: (channel, payload) => {
      publisher.publish(prefix + channel, payload).catch((error: unknown) => {
        logger.warn({ err: error, channel }, 'a message could not be published to Redis; readers catch up by polling');
      });
    },
    subscribe: (channels, handlers) => subscribe(options.url, prefix, channels, handlers, logger),
    stop: async () => {
      await publisher.quit().catch(() => publisher.disconnect());
    },
  };
}

function subscribe(
  url: string,
  prefix: string,
  channels: readonly string[],
  handlers: Parameters<Notifier['subscribe']>[1],
  logger: Logger,
) {
  // Subscribed again by hand on every 'ready', so the resync runs only once the subscription stands.
  // Named, so an operator's CLIENT LIST tells which deployment's subscribers are which.
  const connectionName = `${prefix}subscriber`;
  const client = new Redis(url, { autoResubscribe: false, maxRetriesPerRequest: null, lazyConnect: true, connectionName });
  let stopped = false;
  let down = false;
  client.on('message', (channel: string, message: string) => {
    if (channel.startsWith(prefix)) handlers.onMessage(channel.slice(prefix.length), message);
  });
  client.on('error', (error: Error) => {
    if (!down) logger.warn({ err: error, channels }, 'Redis subscription connection failed; reconnecting');
    down = true;
  });
  client.on('ready', () => {
    void client
      .subscribe(...channels.map((channel) => prefix + channel))
      .then(() => {
        if (down) logger.info({ channels }, 'Redis subscription restored');
        down = false;
        if (!stopped) handlers.onResync?.();
      })
      .catch((error: unknown) => logger.warn({ err: error, channels }, 'could not subscribe on Redis; retrying on reconnect'));
  });
  void client.connect().catch(() => {});
  return {
    stop: async () => {
      stopped = true;
      await client.quit().catch(() => client.disconnect());
    },
  };
}
