import type { Logger } from '../logger.ts';
import type { UploadsService } from '../modules/uploads/uploads.service.ts';

export interface Maintenance {
  stop(): Promise<void>;
}

/** Housekeeping the worker role runs on a timer: for now, sweeping uploads nobody used. */
export function startMaintenance(options: { uploads: UploadsService; logger: Logger; intervalMs?: number }): Maintenance {
  const { uploads, logger } = options;
  let running: Promise<void> = Promise.resolve();
  const sweep = () => {
    running = uploads
      .sweepUnused()
      .then((removed) => {
        if (removed > 0) logger.info({ removed }, 'removed unused expired uploads');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'upload sweep failed; it runs again later'));
  };
  // Every 10 minutes: uploads expire after an hour and are kept a day more, so this is plenty.
  const timer = setInterval(sweep, options.intervalMs ?? 10 * 60_000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
