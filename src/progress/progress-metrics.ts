import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The metric names are part of the operator's dashboards: unchanged since the feed began. */
export function progressMetrics(registry: Registry | undefined): { reads: Counter; open: Gauge; eventAge: Histogram } {
  const registers = registry ? [registry] : [];
  return {
    reads: new Counter({
      name: 'framewright_workflow_progress_reads_total',
      help: 'Workflow states read for progress subscribers (one per workflow per batch, however many follow it)',
      registers,
    }),
    open: new Gauge({ name: 'framewright_workflow_progress_subscriptions', help: 'Open workflowProgress subscriptions', registers }),
    // An event carries no span (a subscription lives for minutes): how late the fan-out is shows here.
    eventAge: new Histogram({
      name: 'framewright_workflow_progress_event_age_seconds',
      help: 'Age of a workflowProgress event when handed to its subscriber: from the change (workflows.updated_at) to the send; the first event of a subscription (the state it found) is not counted',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
