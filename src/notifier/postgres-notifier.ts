import { listen } from '../db/listener.ts';
import type { Logger } from '../logger.ts';
import type { Notifier } from './notifier.ts';

/**
 * LISTEN/NOTIFY: nothing to run besides PostgreSQL. LISTEN is session state, so `listenUrl` must
 * reach PostgreSQL directly: through PgBouncer in transaction mode the registration is silently lost.
 */
export function createPostgresNotifier(options: { listenUrl: string; logger: Logger }): Notifier {
  return {
    kind: 'postgres',
    subscribe: (channels, handlers) =>
      listen({
        url: options.listenUrl,
        channels,
        logger: options.logger,
        onNotification: handlers.onMessage,
        onListening: handlers.onResync,
      }),
    stop: async () => {},
  };
}
