import { type Listener, listen } from '../../db/listener.ts';
import type { Logger } from '../../logger.ts';
import { API_KEY_REVOCATIONS_CHANNEL } from '../../queue/channels.ts';
import type { CustomersService } from './customers.service.ts';

/**
 * Keeps this process's key cache honest: a key revoked by any process is forgotten when its NOTIFY
 * arrives, and everything is forgotten whenever LISTEN (re)starts, since what was sent while it
 * was down is lost.
 */
export function followKeyRevocations(options: { databaseUrl: string; customers: CustomersService; logger: Logger }): Listener {
  const { databaseUrl, customers, logger } = options;
  let first = true;
  return listen({
    url: databaseUrl,
    channels: [API_KEY_REVOCATIONS_CHANNEL],
    onNotification: (_channel, keyId) => customers.forgetKey(keyId),
    onListening: () => {
      customers.forgetAllKeys();
      if (first) logger.info({ channel: API_KEY_REVOCATIONS_CHANNEL }, 'following key revocations');
      first = false;
    },
    logger,
  });
}
