import type { PubSubEvent, PubSubEventTarget } from 'graphql-yoga';
import { listen } from '../db/listener.ts';
import type { Logger } from '../logger.ts';

/** The topics of a typed pubsub and their arguments, as createPubSub takes them. */
export type Topics = { [topic: string]: [] | [unknown] | [number | string, unknown] };
export type TopicEvent<T extends Topics> = PubSubEvent<T, Extract<keyof T, string>>;

export type PostgresEventTarget<T extends Topics> = PubSubEventTarget<T> & {
  /** Closes the LISTEN connection; listeners get nothing more. */
  stop(): Promise<void>;
};

/**
 * An event target for graphql-yoga's createPubSub, fed by Postgres LISTEN/NOTIFY: the shape of
 * `@graphql-yoga/redis-event-target`, with Postgres as the bus, so every API process sees what
 * any process committed. One dedicated connection per process, whatever the number of topics.
 *
 * Publishing is the writers' business: they NOTIFY inside their own transaction, so Postgres
 * delivers the event on commit and never before. `dispatchEvent` here therefore reaches this
 * process's listeners only (what createPubSub's `publish` does in-process).
 */
export function createPostgresEventTarget<T extends Topics>(options: {
  url: string;
  channel: string;
  logger: Logger;
  /** The event a notification's payload becomes; undefined drops it (logged). */
  toEvent(payload: string): TopicEvent<T> | undefined;
  /**
   * Dispatched each time LISTEN is established, the first time too: notifications sent while the
   * connection was down are lost, so listeners of this event re-read what they follow.
   */
  listeningEvent?: () => TopicEvent<T>;
}): PostgresEventTarget<T> {
  const { logger } = options;
  const local = new EventTarget() as PubSubEventTarget<T>;
  const listener = listen({
    url: options.url,
    channels: [options.channel],
    logger,
    onNotification: (_channel, payload) => {
      const event = options.toEvent(payload);
      if (event) local.dispatchEvent(event);
      else logger.warn({ channel: options.channel, payload }, 'dropped a notification that is not an event');
    },
    onListening: () => {
      if (options.listeningEvent) local.dispatchEvent(options.listeningEvent());
    },
  });
  return Object.assign(local, { stop: () => listener.stop() });
}
