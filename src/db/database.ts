import { Kysely, type LogEvent, Migrator, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logger.ts';
import { activeSpanRecording, recordSpan, tracingOn } from '../tracing/tracing.ts';
import { AfterCommitDialect, type Publisher } from './after-commit.ts';
import { migrations } from './migrations/index.ts';
import { PipelinedPostgresDialect } from './pipelined-begin.ts';
import type { DB } from './schema/index.ts';

export type Database = Kysely<DB>;
export type Trx = Transaction<DB>;
/** Either the pool or an open transaction: repository functions take this first. */
export type Executor = Kysely<DB>;

// bigint columns (sizes, ledger ids) stay well inside 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export interface DatabaseOptions {
  poolSize?: number;
  logger?: Logger;
  /** Called with every statement run (tests count queries per request with it). */
  onQuery?: (sql: string) => void;
  /**
   * Where publishAfterCommit sends messages, after their transaction commits (the Redis notifier).
   * Without one they go out by NOTIFY inside the transaction.
   */
  publisher?: Publisher;
}

/**
 * The pool the service works through. It keeps no session state: pg sends unnamed statements
 * (Kysely never names one), locks are transaction-scoped, and statements that must share a
 * connection run in one transaction, so `url` may point at PgBouncer in transaction mode.
 */
export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  // Pipelined: a statement may go out before the one ahead of it is answered (see pipelined-begin.ts).
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: 10_000,
    pipeline: true,
  });
  // An idle client that loses its server (a restart) emits here; without a listener the process dies.
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'idle database connection failed'));
  const { onQuery } = options;
  const traced = tracingOn();
  const db = new Kysely<DB>({
    dialect: options.publisher ? new AfterCommitDialect({ pool }, options.publisher) : new PipelinedPostgresDialect({ pool }),
    log:
      onQuery || traced
        ? (event) => {
            if (event.level === 'query') onQuery?.(event.query.sql);
            // Unsampled requests (a ratio below 1) skip the span's making altogether.
            if (traced && activeSpanRecording()) traceStatement(event);
          }
        : undefined,
  });
  poolSizes.set(db, pool.options.max);
  return db;
}

/**
 * A span per statement, recorded once Kysely reports it (in the caller's async context, so under
 * the request's or the flow's span). The text has placeholders, never the values.
 */
function traceStatement(event: LogEvent): void {
  const endedAt = Date.now();
  const operation = /^\s*(\w+)/.exec(event.query.sql)?.[1]?.toUpperCase() ?? 'SQL';
  const attributes = { 'db.system.name': 'postgresql', 'db.operation.name': operation, 'db.query.text': event.query.sql };
  recordSpan(
    `pg ${operation}`,
    attributes,
    endedAt - event.queryDurationMillis,
    endedAt,
    event.level === 'error' ? event.error : undefined,
  );
}

const poolSizes = new WeakMap<Executor, number>();

/** How many connections the database's pool may open (the default pool's size for one made elsewhere). */
export function poolSizeOf(db: Executor): number {
  return poolSizes.get(db) ?? DEFAULT_POOL_SIZE;
}

const DEFAULT_POOL_SIZE = 10;

/** A key of our own for pg_advisory_lock, so concurrent starts migrate one at a time. */
const MIGRATION_LOCK_KEY = 73_190_001;

/**
 * Applies every pending migration. Safe when several processes start at once: they queue on an
 * advisory lock held on one connection, and each finds the work done by the one before it.
 * That lock is session state: run this on a direct connection (DATABASE_LISTEN_URL), never
 * through PgBouncer in transaction mode, where the unlock could reach another server connection.
 */
export async function migrateToLatest(db: Database, logger?: Logger): Promise<void> {
  await db.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(connection);
    try {
      const migrator = new Migrator({ db: connection, provider: { getMigrations: async () => migrations } });
      const { error, results } = await migrator.migrateToLatest();
      for (const result of results ?? []) {
        if (result.status === 'Success') logger?.info({ migration: result.migrationName }, 'migration applied');
        if (result.status === 'Error') logger?.error({ migration: result.migrationName }, 'migration failed');
      }
      if (error) throw error;
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(connection);
    }
  });
}
