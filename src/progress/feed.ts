import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { Viewer } from '../modules/auth/viewer.ts';
import type { WorkflowLiveState } from '../modules/workflows/workflow.ts';
import { parseWorkflowChangeNotice, WORKFLOW_EVENTS_CHANNEL, type WorkflowChangeNotice } from '../modules/workflows/workflow-events.ts';
import type { WorkflowsService } from '../modules/workflows/workflows.service.ts';
import type { Notifier, NotifierSubscription } from '../notifier/index.ts';
import { progressMetrics } from './progress-metrics.ts';
import { deletedSnapshot, ProgressStream, type Snapshot, type WorkflowProgressEvent } from './progress-stream.ts';
import { type KeyChecker, RevokedKeySweep } from './revoked-keys.ts';
import type { SubscriptionCounts } from './subscription-counts.ts';
import { type SlotRequest, type SubscriptionLimits, SubscriptionSlots } from './subscription-slots.ts';

export interface WatchRequest extends SlotRequest {
  /** Already checked (WorkflowsService.watchId). */
  workflowId: string;
}

type Reader = Pick<WorkflowsService, 'liveStates' | 'authorizeWatch'>;

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
}

/** After a failed read (the database restarting, say) the feed tries again this often while anyone follows. */
const READ_RETRY_MS = 1000;
/**
 * Followed workflows are also re-read this often, in one query: a LISTEN connection that died
 * without noticing (a half-open TCP connection keeps quiet for hours) then costs at most this delay.
 */
const SAFETY_RESYNC_MS = 30_000;

interface FeedDependencies {
  /** Carries the workflows module's change notices (WORKFLOW_EVENTS_CHANNEL) from every process. */
  notifier: Notifier;
  workflows: Reader;
  keys: KeyChecker;
  limits: SubscriptionLimits;
  logger: Logger;
  registry?: Registry;
  /** Open subscriptions of the other API processes, so the per-key limit holds across them. */
  sharedCounts?: Pick<SubscriptionCounts, 'others' | 'set'>;
}

/**
 * Live workflow progress for one API process. It holds one notifier subscription to the workflow
 * events; each notice is turned into at most one read of the workflow's state, shared by every
 * subscriber of that workflow here, and reads of the same tick are batched into one query. An event
 * carries the state read at emit time, never the notice, so a subscriber that falls behind skips
 * versions but always ends on the latest one.
 */
export class WorkflowProgressFeed {
  private readonly watches = new Map<string, Watch>();
  private readonly pendingReads = new Set<Watch>();
  private flushScheduled = false;
  private readonly slots: SubscriptionSlots;
  private readonly revokedKeys: RevokedKeySweep;
  private readonly changes: NotifierSubscription;
  private readonly safetyResync: NodeJS.Timeout;
  private stopped = false;
  private readonly reads: Counter;
  private readonly open: Gauge;
  private readonly eventAge: Histogram;

  private readonly deps: FeedDependencies;
  constructor(deps: FeedDependencies) {
    this.deps = deps;
    ({ reads: this.reads, open: this.open, eventAge: this.eventAge } = progressMetrics(deps.registry));
    this.slots = new SubscriptionSlots(deps.limits, deps.sharedCounts);
    this.revokedKeys = new RevokedKeySweep(deps.keys, deps.logger);
    // Resynced each time the subscription is (re)established, the first time too: notices sent
    // while it was down are lost.
    this.changes = deps.notifier.subscribe([WORKFLOW_EVENTS_CHANNEL], {
      onMessage: (_channel, payload) => this.onMessage(payload),
      onResync: () => this.resync(),
    });
    this.safetyResync = setInterval(() => this.resync(), SAFETY_RESYNC_MS);
    this.safetyResync.unref();
  }

  /**
   * Authorizes, takes a slot under the limits, and returns the subscriber's stream: first the
   * current state, at once; then each newer version; done after a final status.
   */
  async subscribe(request: WatchRequest): Promise<AsyncIterableIterator<WorkflowProgressEvent>> {
    if (this.stopped) throw new Error('the progress feed is stopped');
    const release = await this.slots.acquire(request);
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
      return this.openStream(watch, snapshot!, request.viewer, release);
    } catch (error) {
      release();
      const watch = this.watches.get(request.workflowId);
      if (watch) this.dropIfUnused(watch);
      throw error;
    }
  }

  /**
   * Ends every open stream with an error (clients reconnect elsewhere) at once, then stops
   * listening (resolves when the subscription's connection is closed).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.safetyResync);
    this.revokedKeys.stop();
    for (const watch of [...this.watches.values()]) {
      for (const stream of [...watch.streams]) stream.fail(new Error('the server is shutting down; subscribe again'));
      this.close(watch);
    }
    await this.changes.stop();
  }

  private openStream(watch: Watch, first: Snapshot, viewer: Viewer, release: () => void): ProgressStream {
    let untrackKey = () => {};
    const stream = new ProgressStream(
      first,
      (snapshot) => this.mayStillSee(viewer, snapshot),
      () => {
        watch.streams.delete(stream);
        untrackKey();
        this.open.dec();
        release();
        this.dropIfUnused(watch);
      },
      (seconds) => this.eventAge.observe(seconds),
    );
    watch.streams.add(stream);
    const keyId = viewer.kind === 'customer' ? viewer.keyId : undefined;
    if (keyId) untrackKey = this.revokedKeys.track(keyId, stream);
    this.open.inc();
    return stream;
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

  /** The workflow's watch, created (and read) when nobody here follows it yet. */
  private watch(id: string): Watch {
    const existing = this.watches.get(id);
    if (existing) return existing;
    let settleFirstRead!: Watch['settleFirstRead'];
    const firstRead = new Promise<void>((resolve, reject) => (settleFirstRead = { resolve, reject }));
    // Nobody may be waiting when it fails (everyone left): never an unhandled rejection.
    firstRead.catch(() => {});
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
    };
    // Followed before the first read starts: a notice that arrives meanwhile marks it for a re-read.
    this.watches.set(id, watch);
    this.scheduleRead(watch);
    return watch;
  }

  private onMessage(payload: string): void {
    const change = parseWorkflowChangeNotice(payload);
    if (!change) {
      this.deps.logger.warn({ channel: WORKFLOW_EVENTS_CHANNEL, payload }, 'dropped a message that is not a workflow change');
      return;
    }
    const watch = this.watches.get(change.workflowId);
    if (watch) this.onChange(watch, change);
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

  /** After LISTEN came back (and every 30 s): re-read every followed workflow, since notices may have been lost. */
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
      if (states) this.readDone(watch, states.get(watch.id));
      else this.readFailed(watch, failure);
    }
  }

  private readDone(watch: Watch, state: WorkflowLiveState | undefined): void {
    if (state) this.apply(watch, { ...state, deleted: false });
    // Gone without the delete's notice (it was sent while LISTEN was down).
    else if (watch.snapshot) this.apply(watch, deletedSnapshot(watch.snapshot, watch.snapshot.workflow.version + 1));
    else watch.settleFirstRead.resolve();
    if (watch.dirty && !watch.closed) {
      watch.dirty = false;
      this.scheduleRead(watch);
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

  /** Hands a newer state to every subscriber of the workflow here. */
  private apply(watch: Watch, snapshot: Snapshot): void {
    const current = watch.snapshot;
    if (!current || snapshot.workflow.version > current.workflow.version) {
      watch.snapshot = snapshot;
      for (const stream of watch.streams) stream.offer(snapshot);
    }
    watch.settleFirstRead.resolve();
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
    this.pendingReads.delete(watch);
    if (this.watches.get(watch.id) === watch) this.watches.delete(watch.id);
  }
}
