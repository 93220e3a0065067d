import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { Viewer } from '../modules/auth/viewer.ts';
import { RateLimitedError, UnauthenticatedError } from '../modules/shared/errors.ts';
import {
  type Completion,
  type FlowName,
  type FlowStatus,
  type MediaFile,
  type ProcessingStatus,
  TERMINAL_STATUSES,
  type Workflow,
} from '../modules/workflows/workflow.ts';
import type { WorkflowLiveState, WorkflowsService } from '../modules/workflows/workflows.service.ts';
import type { WorkflowChangeNotice, WorkflowPubSub } from './pubsub.ts';
import type { SubscriptionCounts } from './subscription-counts.ts';

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

export interface SubscriptionLimits {
  maxSubscriptionsPerConnection: number;
  maxSubscriptionsPerKey: number;
}

export interface WatchRequest {
  viewer: Viewer;
  /** Already checked (WorkflowsService.watchId). */
  workflowId: string;
  /** The WebSocket (or the HTTP request, for SSE) the subscription runs on. */
  connection: object;
  /** Counts for the per-key limit when there is no key. */
  remoteAddress: string | undefined;
}

type Reader = Pick<WorkflowsService, 'liveStates' | 'authorizeWatch'>;
type KeyChecker = { revokedKeys(keyIds: readonly string[]): Promise<string[]> };

/** A state as the feed holds it: what was read, or what a delete left behind. */
interface Snapshot extends WorkflowLiveState {
  deleted: boolean;
}

/** Everything this process knows about one followed workflow, shared by all its subscribers here. */
interface Watch {
  id: string;
  snapshot: Snapshot | undefined;
  streams: Set<ProgressStream>;
  /** Subscribers waiting for the first read. */
  waiting: number;
  firstRead: Promise<void>;
  settleFirstRead: { resolve(): void; reject(error: unknown): void };
  reading: boolean;
  /** A notification came while a read was under way: read once more after it. */
  dirty: boolean;
  retryTimer: NodeJS.Timeout | undefined;
  closed: boolean;
  unsubscribe(): void;
}

/** Open subscriptions check that their API keys still stand this often: a revoked key's end within 5 s. */
const KEY_CHECK_MS = 2000;

/** After a failed read (the database restarting, say) the feed tries again this often while anyone follows. */
const READ_RETRY_MS = 1000;
/**
 * Followed workflows are also re-read this often, in one query: a LISTEN connection that died
 * without noticing (a half-open TCP connection keeps quiet for hours) then costs at most this delay.
 */
const SAFETY_RESYNC_MS = 30_000;

interface FeedDependencies {
  pubsub: WorkflowPubSub;
  workflows: Reader;
  keys: KeyChecker;
  limits: SubscriptionLimits;
  logger: Logger;
  registry?: Registry;
  /** Open subscriptions of the other API processes, so the per-key limit holds across them. */
  sharedCounts?: Pick<SubscriptionCounts, 'others' | 'set'>;
}

/**
 * Live workflow progress for one API process. Notifications come through the pubsub (Postgres
 * LISTEN/NOTIFY); each is turned into at most one read of the workflow's state, shared by every
 * subscriber of that workflow here, and reads of the same tick are batched into one query. An event
 * carries the state read at emit time, never the notification, so a subscriber that falls behind
 * skips versions but always ends on the latest one.
 */
export class WorkflowProgressFeed {
  private readonly watches = new Map<string, Watch>();
  private readonly pendingReads = new Set<Watch>();
  private flushScheduled = false;
  private readonly perConnection = new WeakMap<object, number>();
  private readonly perKey = new Map<string, number>();
  private readonly stopResync: () => void;
  private readonly safetyResync: NodeJS.Timeout;
  private readonly keyCheck: NodeJS.Timeout;
  /** Open streams by the API key they were opened with. */
  private readonly streamsByKey = new Map<string, Set<ProgressStream>>();
  private stopped = false;
  private readonly reads: Counter;
  private readonly open: Gauge;

  private readonly deps: FeedDependencies;
  constructor(deps: FeedDependencies) {
    this.deps = deps;
    const registers = deps.registry ? [deps.registry] : [];
    this.reads = new Counter({
      name: 'framewright_workflow_progress_reads_total',
      help: 'Workflow states read for progress subscribers (one per workflow per batch, however many follow it)',
      registers,
    });
    this.open = new Gauge({ name: 'framewright_workflow_progress_subscriptions', help: 'Open workflowProgress subscriptions', registers });
    const resync = deps.pubsub.subscribe('workflowEventsResync');
    void (async () => {
      for await (const _ of resync) this.resync();
    })();
    this.stopResync = () => void resync.return();
    this.safetyResync = setInterval(() => this.resync(), SAFETY_RESYNC_MS);
    this.safetyResync.unref();
    this.keyCheck = setInterval(() => void this.endRevokedKeys(), KEY_CHECK_MS);
    this.keyCheck.unref();
  }

  /**
   * Authorizes, takes a slot under the limits, and returns the subscriber's stream: first the
   * current state, at once; then each newer version; done after a final status.
   */
  async subscribe(request: WatchRequest): Promise<AsyncIterableIterator<WorkflowProgressEvent>> {
    if (this.stopped) throw new Error('the progress feed is stopped');
    const release = await this.acquire(request);
    try {
      const watch = this.watch(request.workflowId);
      watch.waiting++;
      try {
        await watch.firstRead;
      } finally {
        watch.waiting--;
      }
      const snapshot = watch.snapshot;
      this.deps.workflows.authorizeWatch(request.viewer, request.workflowId, snapshot?.deleted ? undefined : snapshot?.workflow);
      const keyId = request.viewer.kind === 'customer' ? request.viewer.keyId : undefined;
      const stream = new ProgressStream(
        snapshot!,
        (s) => this.mayStillSee(request.viewer, s),
        () => {
          watch.streams.delete(stream);
          if (keyId) this.untrackKey(keyId, stream);
          this.open.dec();
          release();
          this.dropIfUnused(watch);
        },
      );
      watch.streams.add(stream);
      if (keyId) this.streamsByKey.set(keyId, (this.streamsByKey.get(keyId) ?? new Set()).add(stream));
      this.open.inc();
      return stream;
    } catch (error) {
      release();
      const watch = this.watches.get(request.workflowId);
      if (watch) this.dropIfUnused(watch);
      throw error;
    }
  }

  /** Ends every open stream with an error (clients reconnect elsewhere) and stops listening. */
  stop(): void {
    this.stopped = true;
    this.stopResync();
    clearInterval(this.safetyResync);
    clearInterval(this.keyCheck);
    for (const watch of [...this.watches.values()]) {
      for (const stream of [...watch.streams]) stream.fail(new Error('the server is shutting down; subscribe again'));
      this.close(watch);
    }
  }

  private async acquire({ viewer, connection, remoteAddress }: WatchRequest): Promise<() => void> {
    const { maxSubscriptionsPerConnection, maxSubscriptionsPerKey } = this.deps.limits;
    // Every key of a customer shares its budget; callers with no key are counted by address.
    const key =
      viewer.kind === 'customer'
        ? `customer:${viewer.customerId}`
        : viewer.kind === 'admin'
          ? 'admin'
          : `anonymous:${remoteAddress ?? '?'}`;
    const elsewhere = (await this.deps.sharedCounts?.others(key)) ?? 0;
    const onConnection = this.perConnection.get(connection) ?? 0;
    if (onConnection >= maxSubscriptionsPerConnection) {
      throw new RateLimitedError(
        `At most ${maxSubscriptionsPerConnection} subscriptions may be open on one connection; complete one first`,
        1,
      );
    }
    const ofKey = this.perKey.get(key) ?? 0;
    if (ofKey + elsewhere >= maxSubscriptionsPerKey) {
      throw new RateLimitedError(`At most ${maxSubscriptionsPerKey} subscriptions may be open for one API key; complete one first`, 1);
    }
    this.perConnection.set(connection, onConnection + 1);
    this.perKey.set(key, ofKey + 1);
    this.deps.sharedCounts?.set(key, ofKey + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.perConnection.set(connection, (this.perConnection.get(connection) ?? 1) - 1);
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left > 0) this.perKey.set(key, left);
      else this.perKey.delete(key);
      this.deps.sharedCounts?.set(key, left);
    };
  }

  /** Ends, with UNAUTHENTICATED, every stream whose API key was revoked since it opened. */
  private async endRevokedKeys(): Promise<void> {
    if (this.streamsByKey.size === 0) return;
    let revoked: string[];
    try {
      revoked = await this.deps.keys.revokedKeys([...this.streamsByKey.keys()]);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not check the API keys of open subscriptions; trying again');
      return;
    }
    for (const keyId of revoked) {
      for (const stream of [...(this.streamsByKey.get(keyId) ?? [])])
        stream.fail(new UnauthenticatedError('The API key of this subscription was revoked'));
    }
  }

  private untrackKey(keyId: string, stream: ProgressStream): void {
    const streams = this.streamsByKey.get(keyId);
    streams?.delete(stream);
    if (streams?.size === 0) this.streamsByKey.delete(keyId);
  }

  private mayStillSee(viewer: Viewer, snapshot: Snapshot): boolean {
    if (snapshot.deleted) return true;
    try {
      this.deps.workflows.authorizeWatch(viewer, snapshot.workflow.id, snapshot.workflow);
      return true;
    } catch {
      return false;
    }
  }

  /** The workflow's watch, created (listening first, then reading) when nobody here follows it yet. */
  private watch(id: string): Watch {
    const existing = this.watches.get(id);
    if (existing) return existing;
    let settleFirstRead!: Watch['settleFirstRead'];
    const firstRead = new Promise<void>((resolve, reject) => (settleFirstRead = { resolve, reject }));
    // Nobody may be waiting when it fails (everyone left): never an unhandled rejection.
    firstRead.catch(() => {});
    const changes = this.deps.pubsub.subscribe('workflowChanged', id);
    const watch: Watch = {
      id,
      snapshot: undefined,
      streams: new Set(),
      waiting: 0,
      firstRead,
      settleFirstRead,
      reading: false,
      dirty: false,
      retryTimer: undefined,
      closed: false,
      unsubscribe: () => void changes.return(),
    };
    this.watches.set(id, watch);
    // The loop's first next() registers the listener synchronously, before the first read starts.
    void (async () => {
      for await (const change of changes) if (change) this.onChange(watch, change);
    })();
    this.scheduleRead(watch);
    return watch;
  }

  private onChange(watch: Watch, change: WorkflowChangeNotice): void {
    if (watch.closed || watch.snapshot?.deleted) return;
    if (change.deleted) {
      // The row is gone: the last state we had, ended as CANCELED, is the stream's final event.
      if (watch.snapshot) this.apply(watch, deletedSnapshot(watch.snapshot, change.version));
      // The first read may have seen the row before the delete: read again, it will find it gone.
      else this.scheduleRead(watch);
      return;
    }
    if (watch.snapshot && change.version <= watch.snapshot.workflow.version) return;
    this.scheduleRead(watch);
  }

  /** After LISTEN came back: re-read every followed workflow, since notifications were lost meanwhile. */
  private resync(): void {
    for (const watch of this.watches.values()) if (!watch.snapshot?.deleted) this.scheduleRead(watch);
  }

  private scheduleRead(watch: Watch): void {
    if (watch.closed) return;
    if (watch.reading) {
      watch.dirty = true;
      return;
    }
    if (watch.retryTimer) {
      clearTimeout(watch.retryTimer);
      watch.retryTimer = undefined;
    }
    this.pendingReads.add(watch);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flush());
  }

  /** One query for every workflow that changed in this tick. */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = [...this.pendingReads].filter((watch) => !watch.closed);
    this.pendingReads.clear();
    if (batch.length === 0) return;
    for (const watch of batch) watch.reading = true;
    let states: Map<string, WorkflowLiveState> | undefined;
    let failure: unknown;
    try {
      this.reads.inc(batch.length);
      states = await this.deps.workflows.liveStates(batch.map((watch) => watch.id));
    } catch (error) {
      failure = error;
    }
    for (const watch of batch) {
      watch.reading = false;
      if (watch.closed || watch.snapshot?.deleted) continue;
      if (!states) {
        this.readFailed(watch, failure);
        continue;
      }
      const state = states.get(watch.id);
      if (state) this.apply(watch, { ...state, deleted: false });
      // Gone without the delete's notification (it was sent while LISTEN was down).
      else if (watch.snapshot) this.apply(watch, deletedSnapshot(watch.snapshot, watch.snapshot.workflow.version + 1));
      else watch.settleFirstRead.resolve();
      if (watch.dirty && !watch.closed) {
        watch.dirty = false;
        this.scheduleRead(watch);
      }
    }
  }

  private readFailed(watch: Watch, error: unknown): void {
    if (!watch.snapshot) {
      // Those waiting to subscribe get the error; nobody keeps a watch without a state.
      watch.settleFirstRead.reject(error);
      this.close(watch);
      return;
    }
    this.deps.logger.warn({ err: error, workflowId: watch.id }, 'could not read workflow progress; trying again');
    watch.dirty = false;
    watch.retryTimer = setTimeout(() => {
      watch.retryTimer = undefined;
      this.scheduleRead(watch);
    }, READ_RETRY_MS);
  }

  private apply(watch: Watch, snapshot: Snapshot): void {
    const current = watch.snapshot;
    if (!current || snapshot.workflow.version > current.workflow.version) {
      watch.snapshot = snapshot;
      for (const stream of watch.streams) stream.offer(snapshot);
    }
    watch.settleFirstRead.resolve();
    if (snapshot.deleted) watch.unsubscribe();
  }

  private dropIfUnused(watch: Watch): void {
    if (watch.streams.size === 0 && watch.waiting === 0) this.close(watch);
  }

  private close(watch: Watch): void {
    if (watch.closed) return;
    watch.closed = true;
    // Anyone still waiting for the first read (the feed stopping) gets an error, not a hang.
    watch.settleFirstRead.reject(new Error('the progress feed stopped following this workflow'));
    if (watch.retryTimer) clearTimeout(watch.retryTimer);
    watch.unsubscribe();
    this.pendingReads.delete(watch);
    if (this.watches.get(watch.id) === watch) this.watches.delete(watch.id);
  }
}

function deletedSnapshot(last: Snapshot, version: number): Snapshot {
  return { ...last, deleted: true, workflow: { ...last.workflow, processingStatus: 'CANCELED', version } };
}

function isFinal(snapshot: Snapshot): boolean {
  return snapshot.deleted || TERMINAL_STATUSES.includes(snapshot.workflow.processingStatus);
}

/**
 * The flow of an event: the running one; between two flows (or while a failed flow waits for its
 * retry) the one that ran last, with its status. None while queued or once the run has ended.
 */
function currentFlow(snapshot: Snapshot): { flow: FlowName; flowStatus: FlowStatus } | { flow: null; flowStatus: null } {
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

/**
 * One subscriber's stream. It holds only the newest state it was offered (a slow reader skips the
 * versions in between, never the last one), and ends after handing out a final status.
 */
class ProgressStream implements AsyncIterableIterator<WorkflowProgressEvent> {
  private latest: Snapshot;
  private sentVersion = Number.NEGATIVE_INFINITY;
  private sentProgress = 0;
  private ended = false;
  private error: unknown;
  private wake: (() => void) | undefined;

  private readonly mayStillSee: (snapshot: Snapshot) => boolean;
  private readonly onEnd: () => void;
  constructor(first: Snapshot, mayStillSee: (snapshot: Snapshot) => boolean, onEnd: () => void) {
    this.mayStillSee = mayStillSee;
    this.onEnd = onEnd;
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
    this.notify();
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
    const snapshot = this.latest;
    this.sentVersion = snapshot.workflow.version;
    this.sentProgress = Math.max(this.sentProgress, snapshot.workflow.progressPercentage);
    if (isFinal(snapshot)) this.end();
    return { done: false, value: this.toEvent(snapshot) };
  }

  async return(): Promise<IteratorResult<WorkflowProgressEvent>> {
    this.end();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WorkflowProgressEvent> {
    return this;
  }

  private toEvent(snapshot: Snapshot): WorkflowProgressEvent {
    const { workflow } = snapshot;
    return {
      workflowId: workflow.id,
      processingStatus: workflow.processingStatus,
      // Never lower than what this subscriber was already told.
      progressPercentage: this.sentProgress,
      ...currentFlow(snapshot),
      version: workflow.version,
      workflow,
      completions: snapshot.completions,
      mediaFiles: snapshot.mediaFiles,
      emittedAt: new Date(),
    };
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
