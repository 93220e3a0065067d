import type { Executor } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import type { Notifier, NotifierSubscription } from '../../notifier/index.ts';
import { publishMessage } from '../../notifier/notifier.ts';

/** API processes listen here: an API key was revoked (its id is the payload); each forgets it at once. */
export const API_KEY_REVOCATIONS_CHANNEL = 'framewright_api_key_revocations';

/** What a process remembers of keys it has seen (CustomersService). */
interface KeyCache {
  forgetKey(keyId: string): void;
  forgetAllKeys(): void;
}

/**
 * Tells every listening API process to stop accepting the key now rather than when its cache entry
 * expires. Sent after the transaction commits, so a rolled-back revocation is never heard of.
 */
export async function notifyApiKeyRevoked(trx: Executor, keyId: string): Promise<void> {
  await publishMessage(trx, API_KEY_REVOCATIONS_CHANNEL, keyId);
}

/**
 * Keeps this process's key cache honest: a key revoked by any process is forgotten when its
 * message arrives, and everything is forgotten whenever the subscription (re)starts, since what
 * was sent while it was down is lost.
 */
export function followKeyRevocations(options: { notifier: Notifier; customers: KeyCache; logger: Logger }): NotifierSubscription {
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
