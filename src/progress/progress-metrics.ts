import { Counter, Gauge, type Registry } from 'prom-client';

/** The metric names are part of the operator's dashboards: unchanged since the feed began. */
export function progressMetrics(registry: Registry | undefined): { reads: Counter; open: Gauge } {
  const registers = registry ? [registry] : [];
  return {
    reads: new Counter({
      name: 'framewright_workflow_progress_reads_total',
      help: 'Workflow states read for progress subscribers (one per workflow per batch, however many follow it)',
      registers,
    }),
    open: new Gauge({ name: 'framewright_workflow_progress_subscriptions', help: 'Open workflowProgress subscriptions', registers }),
  };
}
