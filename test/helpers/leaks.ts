/**
 * What the test helpers started and have not stopped yet: apps, job runners, child processes.
 * A test file that ends with any of them still running fails (graphile-worker's habit): a leaked
 * worker keeps claiming jobs from under the next test, and a leaked process outlives the run.
 */
const running = new Map<object, { describe: string; stop: () => Promise<unknown> }>();

/** Records a started resource; call the returned function when it has stopped. */
export function trackRunning(resource: object, describe: string, stop: () => Promise<unknown>): () => void {
  running.set(resource, { describe, stop });
  return () => running.delete(resource);
}

/** Descriptions of everything still running. */
export function leftRunning(): string[] {
  return [...running.values()].map((entry) => entry.describe);
}

/** Stops whatever is left (so one leak does not stall the rest of the run) and says what it was. */
export async function stopLeftovers(): Promise<string[]> {
  const leftovers = [...running.entries()];
  running.clear();
  await Promise.allSettled(leftovers.map(([, entry]) => entry.stop()));
  return leftovers.map(([, entry]) => entry.describe);
}
