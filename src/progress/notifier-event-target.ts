import type { PubSubEvent, PubSubEventTarget } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import type { Notifier } from '../notifier/index.ts';

/** The topics of a typed pubsub and their arguments, as createPubSub takes them. */
export type Topics = { [topic: string]: [] | [unknown] | [number | string, unknown] };
export type TopicEvent<T extends Topics> = PubSubEvent<T, Extract<keyof T, string>>;

export type NotifierEventTarget<T extends Topics> = PubSubEventTarget<T> & {
  /** Closes the subscription's connection; listeners get nothing more. */
  stop(): Promise<void>;
};

/**
 * An event target for graphql-yoga's createPubSub, fed by the notifier (Postgres LISTEN/NOTIFY or
 * Redis pub/sub), so every API process sees what any process committed. One connection per
 * process, whatever the number of topics.
 *
 * Publishing is the writers' business: they publish after their transaction commits, never
 * before. `dispatchEvent` here therefore reaches this process's listeners only (what
 * createPubSub's `publish` does in-process).
 */
export function createNotifierEventTarget<T extends Topics>(options: {
  notifier: Notifier;
  channel: string;
  logger: Logger;
  /** The event a message's payload becomes; undefined drops it (logged). */
  toEvent(payload: string): TopicEvent<T> | undefined;
  /**
   * Dispatched each time the subscription is established, the first time too: messages sent while
   * the connection was down are lost, so listeners of this event re-read what they follow.
   */
  listeningEvent?: () => TopicEvent<T>;
}): NotifierEventTarget<T> {
  const { logger } = options;
  const local = new EventTarget() as PubSubEventTarget<T>;
  const subscription = options.notifier.subscribe([options.channel], {
    onMessage: (_channel, payload) => {
      const event = options.toEvent(payload);
      if (event) local.dispatchEvent(event);
      else logger.warn({ channel: options.channel, payload }, 'dropped a message that is not an event');
    },
    onResync: () => {
      if (options.listeningEvent) local.dispatchEvent(options.listeningEvent());
    },
  });
  return Object.assign(local, { stop: () => subscription.stop() });
}
