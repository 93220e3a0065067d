import type { Logger } from '../logger.ts';
import type { ErrorLogsService } from '../modules/error-logs/error-logs.service.ts';
import type { UploadsService } from '../modules/uploads/uploads.service.ts';
import type { WebhooksService } from '../modules/webhooks/webhooks.service.ts';
import type { WorkflowsService } from '../modules/workflows/workflows.service.ts';

export interface Maintenance {
  stop(): Promise<void>;
  /** One round of every task now (tests call it instead of waiting for the timer). */
  runOnce(): Promise<void>;
}

export interface MaintenanceOptions {
  uploads: UploadsService;
  workflows: WorkflowsService;
  errorLogs: ErrorLogsService;
  webhooks: WebhooksService;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Housekeeping the worker role runs on a timer: uploads nobody used, objects whose workflow never
 * committed, error-log entries and webhook events past their retention, rotated-out webhook
 * secrets past their expiry, and plain secrets a process of an older version may still have
 * written. Each task fails alone and runs again later.
 */
export function startMaintenance(options: MaintenanceOptions): Maintenance {
  const { logger } = options;
  const tasks: Array<{ name: string; run: () => Promise<number> }> = [
    { name: 'removed unused expired uploads', run: () => options.uploads.sweepUnused() },
    { name: 'removed objects whose workflow never committed', run: () => options.workflows.sweepOrphanObjects() },
    { name: 'pruned error-log entries past their retention', run: () => options.errorLogs.pruneOldWeeks() },
    { name: 'pruned webhook events past their retention', run: () => options.webhooks.pruneEvents() },
    { name: 'dropped rotated-out webhook secrets past their expiry', run: () => options.webhooks.forgetExpiredSecrets() },
    { name: 'encrypted webhook secrets stored in plain text', run: () => options.webhooks.sealPlainSecrets() },
  ];
  const runOnce = async () => {
    for (const task of tasks) {
      try {
        const count = await task.run();
        if (count > 0) logger.info({ count }, task.name);
      } catch (error) {
        logger.warn({ err: error, task: task.name }, 'a maintenance task failed; it runs again later');
      }
    }
  };
  let running: Promise<void> = Promise.resolve();
  // Every 10 minutes: uploads expire after an hour and are kept a day more, orphans wait an hour.
  const timer = setInterval(
    () => {
      running = runOnce();
    },
    options.intervalMs ?? 10 * 60_000,
  );
  timer.unref();
  return {
    runOnce,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
