import type { WorkflowLiveState } from '../modules/workflows/workflow.ts';
import {
  type Completion,
  type FlowName,
  type FlowStatus,
  type MediaFile,
  PROGRESS_BEFORE_SUCCESS,
  type ProcessingStatus,
  TERMINAL_STATUSES,
  type Workflow,
} from '../modules/workflows/workflow.ts';

/** One event of the workflowProgress subscription (schema: WorkflowProgressEvent). */
export interface WorkflowProgressEvent {
  workflowId: string;
  processingStatus: ProcessingStatus;
  progressPercentage: number;
  flow: FlowName | null;
  flowStatus: FlowStatus | null;
  version: number;
  workflow: Workflow;
  /** Read with the workflow, so `workflow { completions ... }` needs no query of its own. */
  completions: Completion[];
  mediaFiles: MediaFile[];
  emittedAt: Date;
}

/** A state as the feed holds it: what was read, or what a delete left behind. */
export interface Snapshot extends WorkflowLiveState {
  deleted: boolean;
}

/** The last state read before a delete, ended as CANCELED at the delete's version. */
export function deletedSnapshot(last: Snapshot, version: number): Snapshot {
  return { ...last, deleted: true, workflow: { ...last.workflow, processingStatus: 'CANCELED', version } };
}

function isFinal(snapshot: Snapshot): boolean {
  return snapshot.deleted || TERMINAL_STATUSES.includes(snapshot.workflow.processingStatus);
}

/**
 * The flow of an event: the running one; between two flows (or while a failed flow waits for its
 * retry) the one that ran last, with its status. None while queued or once the run has ended.
 */
type CurrentFlow = { flow: FlowName; flowStatus: FlowStatus } | { flow: null; flowStatus: null };

function currentFlow(snapshot: Snapshot): CurrentFlow {
  if (snapshot.deleted || snapshot.workflow.processingStatus !== 'PROCESSING') return { flow: null, flowStatus: null };
  const running = snapshot.completions.find((c) => c.status === 'RUNNING');
  const latest =
    running ??
    snapshot.completions
      .filter((c) => c.startedAt !== null)
      .sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime() || a.position - b.position)
      .at(-1);
  return latest ? { flow: latest.flow, flowStatus: latest.status } : { flow: null, flowStatus: null };
}

/** The event of each state the feed handed out, while anyone holds the state. */
const sharedEvents = new WeakMap<Snapshot, WorkflowProgressEvent>();

/** The state before each SUCCESS, as lastFlowEndBefore made it: one object for every subscriber. */
const lastFlowEnds = new WeakMap<Snapshot, Snapshot>();

/**
 * The state just before a run's SUCCESS, when a subscriber last saw the run's last flow RUNNING
 * and the SUCCESS is two versions later: the version in between is that flow's end (the worker
 * commits the last flow's outputs, then the run's end, each one version), and it is known exactly:
 * PROCESSING at PROGRESS_BEFORE_SUCCESS, the completions and media of the SUCCESS (the end
 * changes neither), updated when that flow completed (the same statement). The run's end follows the
 * last flow's by about a millisecond, and the feed reads a state when its notice arrives, so it
 * often reads the SUCCESS already: without this, the promised event of that flow's end was lost.
 * Any other gap (a title changed between them, a reader behind) is not filled: its states are not known.
 */
function lastFlowEndBefore(final: Snapshot, seenVersion: number, seenFlow: CurrentFlow): Snapshot | undefined {
  const { workflow } = final;
  if (final.deleted || workflow.processingStatus !== 'SUCCESS' || workflow.version !== seenVersion + 2) return undefined;
  const last = final.completions
    .filter((c) => c.status !== 'SKIPPED')
    .sort((a, b) => a.position - b.position)
    .at(-1);
  if (last?.status !== 'SUCCESS' || seenFlow.flow !== last.flow || seenFlow.flowStatus !== 'RUNNING') return undefined;
  let before = lastFlowEnds.get(final);
  if (!before) {
    before = {
      ...final,
      workflow: {
        ...workflow,
        processingStatus: 'PROCESSING',
        progressPercentage: PROGRESS_BEFORE_SUCCESS,
        version: workflow.version - 1,
        updatedAt: last.completedAt ?? workflow.updatedAt,
      },
    };
    lastFlowEnds.set(final, before);
  }
  return before;
}

/**
 * Hands an event to its subscriber at once, past the pull through the executor's and the transport's
 * async iterators; true once it is sent, false to let it go the pulled way.
 */
export type ProgressPush = (event: WorkflowProgressEvent) => boolean;

/**
 * One subscriber's stream. It holds only the newest state it was offered (a slow reader skips the
 * versions in between, never the last one), and ends after handing out a final status.
 */
export class ProgressStream implements AsyncIterableIterator<WorkflowProgressEvent> {
  private latest: Snapshot;
  private sentVersion = Number.NEGATIVE_INFINITY;
  private sentProgress = 0;
  private sentFlow: CurrentFlow = { flow: null, flowStatus: null };
  private ended = false;
  private error: unknown;
  private wake: (() => void) | undefined;
  private push: ProgressPush | undefined;

  private readonly mayStillSee: (snapshot: Snapshot) => boolean;
  private readonly onEnd: () => void;
  private readonly observeAge: (seconds: number) => void;
  constructor(
    first: Snapshot,
    mayStillSee: (snapshot: Snapshot) => boolean,
    onEnd: () => void,
    observeAge: (seconds: number) => void = () => {},
  ) {
    this.mayStillSee = mayStillSee;
    this.onEnd = onEnd;
    this.observeAge = observeAge;
    this.latest = first;
  }

  offer(snapshot: Snapshot): void {
    if (this.ended) return;
    if (!this.mayStillSee(snapshot)) {
      // Made PRIVATE under an anonymous follower, say: the stream stops, telling nothing more.
      this.end();
      return;
    }
    if (snapshot.workflow.version > this.latest.workflow.version) this.latest = snapshot;
    if (!this.pushed()) this.notify();
  }

  /**
   * From now on a newer state is handed to `push` as soon as it is offered, while the reader waits
   * for it (nothing it pulled is still on its way out, so the order holds): 5,000 subscribers of a
   * change cost 5,000 calls, not 5,000 chains of promises through every iterator that wraps this one.
   * The first event, and any `push` declines (a reader behind, a result with errors), are pulled.
   */
  pushTo(push: ProgressPush): void {
    this.push = push;
  }

  private pushed(): boolean {
    if (!this.push || !this.wake || this.sentVersion === Number.NEGATIVE_INFINITY) return false;
    while (!this.ended && this.latest.workflow.version > this.sentVersion) {
      const snapshot = this.nextToSend();
      const progress = Math.max(this.sentProgress, snapshot.workflow.progressPercentage);
      let pushed: boolean;
      try {
        pushed = this.push(this.toEvent(snapshot, progress));
      } catch {
        // Called in the feed's loop over every subscriber: a failure here is this reader's, pulled as before.
        pushed = false;
      }
      if (!pushed) return false;
      this.sent(snapshot, progress);
    }
    return this.latest.workflow.version <= this.sentVersion;
  }

  /** The newest state, or the end of the last flow just before it when that was skipped (lastFlowEndBefore). */
  private nextToSend(): Snapshot {
    return lastFlowEndBefore(this.latest, this.sentVersion, this.sentFlow) ?? this.latest;
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.error = error;
    this.end();
  }

  async next(): Promise<IteratorResult<WorkflowProgressEvent>> {
    while (!this.ended && this.latest.workflow.version <= this.sentVersion) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.error) {
      const error = this.error;
      this.error = undefined;
      throw error;
    }
    if (this.ended) return { done: true, value: undefined };
    const snapshot = this.nextToSend();
    const progress = Math.max(this.sentProgress, snapshot.workflow.progressPercentage);
    const event = this.toEvent(snapshot, progress);
    this.sent(snapshot, progress);
    return { done: false, value: event };
  }

  /** The state went out: later ones must be newer, its progress is the least the next may show, a final one ends the stream. */
  private sent(snapshot: Snapshot, progress: number): void {
    // The first event is the state the subscriber found, however old: only changes since count.
    if (this.sentVersion !== Number.NEGATIVE_INFINITY && !snapshot.deleted) {
      this.observeAge(Math.max(0, Date.now() - snapshot.workflow.updatedAt.getTime()) / 1000);
    }
    this.sentVersion = snapshot.workflow.version;
    this.sentProgress = progress;
    this.sentFlow = currentFlow(snapshot);
    if (isFinal(snapshot)) this.end();
  }

  async return(): Promise<IteratorResult<WorkflowProgressEvent>> {
    this.end();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WorkflowProgressEvent> {
    return this;
  }

  /**
   * The event of a state, one object for every subscriber handed it at the state's progress: the
   * executor then runs each shape's selection once for all of them (useSharedSubscriptionResults).
   * Its emittedAt is when the first of them was handed it: a slow subscriber sees when the state went out.
   */
  private toEvent(snapshot: Snapshot, progress: number): WorkflowProgressEvent {
    const shared = sharedEvents.get(snapshot);
    if (shared?.progressPercentage === progress) return shared;
    const { workflow } = snapshot;
    const event: WorkflowProgressEvent = {
      workflowId: workflow.id,
      processingStatus: workflow.processingStatus,
      // Never lower than what this subscriber was already told.
      progressPercentage: progress,
      ...currentFlow(snapshot),
      version: workflow.version,
      workflow,
      completions: snapshot.completions,
      mediaFiles: snapshot.mediaFiles,
      emittedAt: new Date(),
    };
    // Shared only at the state's own progress: a subscriber told more before a retry reset it gets an event of its own.
    if (!shared && progress === workflow.progressPercentage) sharedEvents.set(snapshot, event);
    return event;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.notify();
    this.onEnd();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
