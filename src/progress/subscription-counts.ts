import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/** A process refreshes its rows this often; rows older than STALE_SECONDS belong to a dead process. */
const REFRESH_MS = 10_000;
const STALE_SECONDS = 30;
/** Changes of the same moment are written together, a moment later. */
const FLUSH_DELAY_MS = 50;

/**
 * The open subscriptions of each key in every API process, kept in PostgreSQL so the per-key limit
 * holds across processes. Each process writes its own counts (soon after they change) and reads the
 * others'. Two processes admitting the same key in the same ~100 ms may both pass: the limit can be
 * overshot by what arrives in that window, never more; a dead process's counts stop counting after
 * 30 s.
 */
export class SubscriptionCounts {
  private readonly processId = randomUUID();
  private readonly local = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private flushing: Promise<void> | undefined;
  private readonly refresh: NodeJS.Timeout;

  private readonly db: Database;
  private readonly logger: Logger;
  constructor(db: Database, logger: Logger) {
    this.db = db;
    this.logger = logger;
    this.refresh = setInterval(() => void this.touch(), REFRESH_MS);
    this.refresh.unref();
  }

  /** What the other processes hold for this key (0 when the database cannot say: the local limit still applies). */
  async others(key: string): Promise<number> {
    try {
      const row = await this.db
        .selectFrom('subscription_counts')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('count'), sql<number>`0`).as('open'))
        .where('key', '=', key)
        .where('process_id', '<>', this.processId)
        .where('seen_at', '>', sql<Date>`now() - make_interval(secs => ${STALE_SECONDS})`)
        .executeTakeFirst();
      return Number(row?.open ?? 0);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read the subscription counts of other processes');
      return 0;
    }
  }

  /** This process now holds `count` subscriptions of the key. */
  set(key: string, count: number): void {
    this.local.set(key, count);
    this.dirty.add(key);
    this.flushing ??= new Promise<void>((resolve) => setTimeout(resolve, FLUSH_DELAY_MS)).then(() => this.flush());
  }

  /** Removes this process's rows (on shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.refresh);
    await this.flushing;
    await this.db
      .deleteFrom('subscription_counts')
      .where('process_id', '=', this.processId)
      .execute()
      .catch(() => {});
  }

  private async flush(): Promise<void> {
    const keys = [...this.dirty];
    this.dirty.clear();
    try {
      const open = keys.filter((key) => (this.local.get(key) ?? 0) > 0);
      const closed = keys.filter((key) => (this.local.get(key) ?? 0) === 0);
      for (const key of closed) this.local.delete(key);
      if (closed.length > 0)
        await this.db.deleteFrom('subscription_counts').where('process_id', '=', this.processId).where('key', 'in', closed).execute();
      if (open.length > 0)
        await this.db
          .insertInto('subscription_counts')
          .values(open.map((key) => ({ process_id: this.processId, key, count: this.local.get(key)! })))
          .onConflict((oc) => oc.columns(['key', 'process_id']).doUpdateSet({ count: sql`excluded.count`, seen_at: sql`now()` }))
          .execute();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not record subscription counts; trying again');
      for (const key of keys) this.dirty.add(key);
    }
    this.flushing = undefined;
    if (this.dirty.size > 0) this.flushing = new Promise<void>((resolve) => setTimeout(resolve, 1000)).then(() => this.flush());
  }

  private async touch(): Promise<void> {
    await this.db
      .updateTable('subscription_counts')
      .set({ seen_at: sql`now()` })
      .where('process_id', '=', this.processId)
      .execute()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not refresh subscription counts'));
  }
}
