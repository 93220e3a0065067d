import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  PostgresDialect,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

// A transaction's BEGIN costs a round trip of its own: Kysely waits for its answer before it runs
// the transaction's first statement. On a pipelined pg client (`pipeline: true` on the pool) the
// BEGIN can go out and the first statement right behind it, on the same connection, in order: one
// round trip for both. A worker's guarded write is BEGIN, its lock, its work and COMMIT, so this
// takes one round trip in four or five off every step of a run (and off every API transaction).
//
// The BEGIN's answer is still checked: the transaction's first statement reports it, so a failed
// BEGIN fails that statement and the transaction rolls back. Only statements that wait for each
// other are sent at all (Kysely runs one statement of a transaction at a time), so nothing else changes.

/** PostgreSQL's dialect, with each transaction's BEGIN sent together with its first statement. */
export class PipelinedPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new PipelinedBeginDriver(super.createDriver());
  }
}

/** A pooled connection whose transaction's BEGIN may still be waiting for its answer. */
class PipelinedConnection implements DatabaseConnection {
  /** The unanswered BEGIN of the open transaction; its first statement awaits it. */
  begun: Promise<unknown> | undefined;

  readonly inner: DatabaseConnection;
  constructor(inner: DatabaseConnection) {
    this.inner = inner;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const begun = this.begun;
    this.begun = undefined;
    if (!begun) return this.inner.executeQuery<R>(query);
    // Both are on the wire already; the BEGIN's answer comes first.
    const [, result] = await Promise.all([begun, this.inner.executeQuery<R>(query)]);
    return result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class PipelinedBeginDriver implements Driver {
  /** One wrapper per pooled connection, for as long as the pool keeps it. */
  private readonly connections = new WeakMap<DatabaseConnection, PipelinedConnection>();
  private readonly inner: Driver;
  constructor(inner: Driver) {
    this.inner = inner;
  }

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.inner.acquireConnection();
    let connection = this.connections.get(inner);
    if (!connection) {
      connection = new PipelinedConnection(inner);
      this.connections.set(inner, connection);
    }
    return connection;
  }

  // BEGIN, COMMIT and ROLLBACK go through the wrapper, as Kysely's own driver sends them: the
  // statement log (and the spans made from it) sees them as before.
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const pipelined = connection as PipelinedConnection;
    const begun = this.inner.beginTransaction(pipelined, settings);
    // Checked by the transaction's first statement, its COMMIT or its ROLLBACK, whichever comes first.
    begun.catch(() => {});
    pipelined.begun = begun;
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const pipelined = connection as PipelinedConnection;
    try {
      await this.inner.rollbackTransaction(pipelined);
    } catch {
      // Again on the driver's own connection, which it discards when the ROLLBACK fails there too.
      await this.inner.rollbackTransaction(pipelined.inner);
    }
  }

  // A savepoint is a statement like any other: the first one of a transaction reports its BEGIN.
  savepoint: Driver['savepoint'] = (connection, name, compile) => this.inner.savepoint!(connection, name, compile);
  rollbackToSavepoint: Driver['rollbackToSavepoint'] = (connection, name, compile) =>
    this.inner.rollbackToSavepoint!(connection, name, compile);
  releaseSavepoint: Driver['releaseSavepoint'] = (connection, name, compile) => this.inner.releaseSavepoint!(connection, name, compile);

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.inner.releaseConnection((connection as PipelinedConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
