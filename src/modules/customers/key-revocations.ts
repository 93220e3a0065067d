import type { Logger } from '../../logger.ts';
import type { Notifier, NotifierSubscription } from '../../notifier/index.ts';
import { API_KEY_REVOCATIONS_CHANNEL } from '../../queue/channels.ts';
import type { CustomersService } from './customers.service.ts';

/**
 * Keeps this process's key cache honest: a key revoked by any process is forgotten when its
 * message arrives, and everything is forgotten whenever the subscription (re)starts, since what
 * was sent while it was down is lost.
 */
export function followKeyRevocations(options: { notifier: Notifier; customers: CustomersService; logger: Logger }): NotifierSubscription {
  const { notifier, customers, logger } = options;
  let first = true;
  return notifier.subscribe([API_KEY_REVOCATIONS_CHANNEL], {
    onMessage: (_channel, keyId) => customers.forgetKey(keyId),
    onResync: () => {
      customers.forgetAllKeys();
      if (first) logger.info({ channel: API_KEY_REVOCATIONS_CHANNEL, notifier: notifier.kind }, 'following key revocations');
      first = false;
    },
  });
}
