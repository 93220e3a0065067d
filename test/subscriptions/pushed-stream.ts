import { ProgressStream, type Snapshot, type WorkflowProgressEvent } from '../../src/progress/progress-stream.ts';

/** A stream from `first` with a push that takes what `accept` says; the events it took, and whether the stream ended. */
export function pushedStream(first: Snapshot, accept: (event: WorkflowProgressEvent) => boolean = () => true) {
  let ended = false;
  const stream = new ProgressStream(
    first,
    () => true,
    () => (ended = true),
  );
  const taken: WorkflowProgressEvent[] = [];
  stream.pushTo((event) => {
    if (!accept(event)) return false;
    taken.push(event);
    return true;
  });
  return { stream, taken, ended: () => ended };
}

/** Lets the reader's pending next() reach its wait (or settle). */
export const turn = () => new Promise((resolve) => setImmediate(resolve));
