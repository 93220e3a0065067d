import type { QueueStats } from '../queue/stats.ts';

/** `framewright status`: the /metrics queue gauges, for a person (or, with --json, a script). */
export function formatStatus(stats: QueueStats, options: { json: boolean; notifier: string }): string {
  if (options.json) return `${JSON.stringify({ ...stats, notifier: options.notifier })}\n`;
  const age = stats.oldestDueAgeSeconds;
  const rows: Array<[string, string]> = [
    ['Workflow runs waiting', `${stats.queuedRuns} (${stats.dueRuns} due now, the rest waiting for a retry)`],
    ['Oldest due run waited', stats.dueRuns === 0 ? '-' : age < 120 ? `${age.toFixed(1)} s` : `${(age / 60).toFixed(1)} min`],
    ['Workflow runs running', String(stats.runningRuns)],
    ['Workers alive', `${stats.workersAlive} (${stats.workerSlots} slots; alive = a heartbeat in the last 30 s)`],
    ['Webhook deliveries pending', String(stats.deliveriesPending)],
    ['Notifier', options.notifier],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return `${rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n`;
}
