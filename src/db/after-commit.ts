import { CompiledQuery, type DatabaseConnection, type Driver, type QueryExecutor, type TransactionSettings } from 'kysely';
import { PipelinedPostgresDialect } from './pipelined-begin.ts';

/** Sends a message to a bus outside PostgreSQL (Redis); it must not block the caller or throw. */
export interface Publisher {
  publish(channel: string, payload: string): void;
}

/** What one pooled connection of a database with a publisher is doing. */
interface ConnectionState {
  publisher: Publisher;
  /** Messages of the open transaction, sent once it commits; undefined outside a transaction. */
  pending: Array<{ channel: string; payload: string }> | undefined;
}

/** A Kysely instance or a transaction of one, whatever its tables. */
export interface MessageExecutor {
  getExecutor(): QueryExecutor;
}

const states = new WeakMap<DatabaseConnection, ConnectionState>();

/**
 * Publishes a message once the transaction `executor` belongs to commits, never when it rolls
 * back; at once when `executor` is not a transaction. Without a publisher the message goes out by
 * NOTIFY inside the transaction, which PostgreSQL itself delivers on commit only. NOTIFY is sent
 * on the transaction's own connection, so it works through PgBouncer in transaction mode.
 */
export async function publishAfterCommit(executor: MessageExecutor, channel: string, payload: string): Promise<void> {
  // getExecutor is marked internal, but it is how Kysely hands out the transaction's own connection.
  await executor.getExecutor().provideConnection(async (connection) => {
    const state = states.get(connection);
    if (!state) {
      await connection.executeQuery(CompiledQuery.raw('SELECT pg_notify($1, $2)', [channel, payload]));
      return;
    }
    if (state.pending) state.pending.push({ channel, payload });
    else state.publisher.publish(channel, payload);
  });
}

/**
 * True when `executor`'s messages go out by NOTIFY inside its transaction (no publisher): a
 * statement may then send its own message with pg_notify instead of a second round trip.
 */
export async function publishesByNotify(executor: MessageExecutor): Promise<boolean> {
  return executor.getExecutor().provideConnection(async (connection) => !states.has(connection));
}

const poolsByNotify = new WeakMap<MessageExecutor, boolean>();

/**
 * publishesByNotify for a pool: the same for all its connections (its dialect has a publisher or
 * not), so it is asked once, and a statement run on its own costs no extra turn of the pool.
 */
export async function poolPublishesByNotify(pool: MessageExecutor): Promise<boolean> {
  const known = poolsByNotify.get(pool);
  if (known !== undefined) return known;
  const byNotify = await publishesByNotify(pool);
  poolsByNotify.set(pool, byNotify);
  return byNotify;
}

/** PostgreSQL's dialect, with messages of publishAfterCommit held until their transaction commits. */
export class AfterCommitDialect extends PipelinedPostgresDialect {
  private readonly publisher: Publisher;
  constructor(config: ConstructorParameters<typeof PipelinedPostgresDialect>[0], publisher: Publisher) {
    super(config);
    this.publisher = publisher;
  }

  override createDriver(): Driver {
    return new AfterCommitDriver(super.createDriver(), this.publisher);
  }
}

class AfterCommitDriver implements Driver {
  private readonly inner: Driver;
  private readonly publisher: Publisher;
  constructor(inner: Driver, publisher: Publisher) {
    this.inner = inner;
    this.publisher = publisher;
  }

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    if (!states.has(connection)) states.set(connection, { publisher: this.publisher, pending: undefined });
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await this.inner.beginTransaction(connection, settings);
    states.get(connection)!.pending = [];
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const state = states.get(connection)!;
    try {
      await this.inner.commitTransaction(connection);
    } catch (error) {
      state.pending = undefined;
      throw error;
    }
    const messages = state.pending ?? [];
    state.pending = undefined;
    for (const { channel, payload } of messages) this.publisher.publish(channel, payload);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    states.get(connection)!.pending = undefined;
    await this.inner.rollbackTransaction(connection);
  }

  savepoint: Driver['savepoint'] = (connection, name, compile) => this.inner.savepoint!(connection, name, compile);
  rollbackToSavepoint: Driver['rollbackToSavepoint'] = (connection, name, compile) =>
    this.inner.rollbackToSavepoint!(connection, name, compile);
  releaseSavepoint: Driver['releaseSavepoint'] = (connection, name, compile) => this.inner.releaseSavepoint!(connection, name, compile);

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const state = states.get(connection);
    if (state) state.pending = undefined;
    await this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
