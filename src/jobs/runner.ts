import type { Logger } from '../logger.ts';

export interface JobRunner {
  stop(): Promise<void>;
}

/**
 * The worker role. The flows arrive with the pipeline issue; until then the runner claims
 * nothing, so queued workflows stay QUEUED rather than being half-processed.
 */
export function startJobRunner(options: { logger: Logger; concurrency: number }): JobRunner {
  options.logger.info(
    { concurrency: options.concurrency },
    'worker started; it has no flows yet, so queued workflows wait for the pipeline',
  );
  return { stop: async () => {} };
}
