import { createPubSub, type PubSub } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import { parseWorkflowChangeNotice, WORKFLOW_EVENTS_CHANNEL, type WorkflowChangeNotice } from '../modules/workflows/workflow-events.ts';
import type { Notifier } from '../notifier/index.ts';
import { createNotifierEventTarget } from './notifier-event-target.ts';

export type { WorkflowChangeNotice };

export type WorkflowTopics = {
  /** A committed change of one workflow; subscribe with its id. */
  workflowChanged: [workflowId: string, change: WorkflowChangeNotice];
  /** The notifier's subscription is (back) up: anything that changed while it was down has to be re-read. */
  workflowEventsResync: [];
};

export type WorkflowPubSub = PubSub<WorkflowTopics>;

/** The typed pubsub of an API process, fed by the notifier on one dedicated connection. */
export function createWorkflowPubSub(options: { notifier: Notifier; logger: Logger }): { pubsub: WorkflowPubSub; stop(): Promise<void> } {
  const { logger } = options;
  const eventTarget = createNotifierEventTarget<WorkflowTopics>({
    notifier: options.notifier,
    channel: WORKFLOW_EVENTS_CHANNEL,
    logger,
    toEvent: (payload) => {
      const change = parseWorkflowChangeNotice(payload);
      return change && new CustomEvent(`workflowChanged:${change.workflowId}`, { detail: change });
    },
    listeningEvent: () => new CustomEvent('workflowEventsResync', { detail: undefined }),
  });
  return { pubsub: createPubSub<WorkflowTopics>({ eventTarget }), stop: () => eventTarget.stop() };
}
