import type { NotifierConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Notifier } from './notifier.ts';
import { createPostgresNotifier } from './postgres-notifier.ts';
import type { RedisNotifier } from './redis-notifier.ts';

export type { Notifier, NotifierHandlers, NotifierSubscription } from './notifier.ts';

/**
 * The notifier NOTIFIER chose. With Redis, create the database with `publisher` set to it, so
 * messages of committed transactions go to Redis instead of NOTIFY.
 */
export async function createNotifier(options: { config: NotifierConfig; listenUrl: string; logger: Logger }): Promise<{
  notifier: Notifier;
  publisher: RedisNotifier | undefined;
}> {
  const { config, listenUrl, logger } = options;
  if (config.kind === 'postgres') return { notifier: createPostgresNotifier({ listenUrl, logger }), publisher: undefined };
  const namespace = decodeURIComponent(new URL(listenUrl).pathname.slice(1)) || 'postgres';
  // Imported only when chosen: ioredis is ~7 MB of a process that talks to PostgreSQL alone.
  const { createRedisNotifier } = await import('./redis-notifier.ts');
  const redis = createRedisNotifier({ url: config.redisUrl, namespace, logger });
  return { notifier: redis, publisher: redis };
}
