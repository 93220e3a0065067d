import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findFreePort } from '../../src/embedded/free-port.ts';

export const PGBOUNCER_BINARY = '/usr/sbin/pgbouncer';

export interface PgBouncer {
  /** `upstream` with its host and port replaced by PgBouncer's: any database name passes through. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts Debian's PgBouncer in transaction pool mode in front of `upstream` (a server with trust
 * authentication, such as the machine's PostgreSQL), as production runs it: every statement
 * outside a transaction may land on another server connection, and session state does not survive.
 */
export async function startPgBouncer(upstream: string, options: { poolSize?: number } = {}): Promise<PgBouncer> {
  const target = new URL(upstream);
  const user = decodeURIComponent(target.username || 'postgres');
  const port = await findFreePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'framewright-pgbouncer-'));
  // PgBouncer will not run as root: it drops to the postgres user, who must read its files.
  await chmod(dir, 0o755);
  await writeFile(path.join(dir, 'userlist.txt'), `"${user}" ""\n`, { mode: 0o644 });
  const ini = [
    '[databases]',
    `* = host=${target.hostname} port=${target.port || '5432'}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${path.join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    'max_client_conn = 2000',
    `default_pool_size = ${options.poolSize ?? 20}`,
    'max_db_connections = 0',
    'ignore_startup_parameters = extra_float_digits,options',
    'server_check_delay = 0',
    'log_connections = 0',
    'log_disconnections = 0',
  ].join('\n');
  const iniPath = path.join(dir, 'pgbouncer.ini');
  await writeFile(iniPath, `${ini}\n`, { mode: 0o644 });
  const args = process.getuid?.() === 0 ? ['-u', 'postgres', iniPath] : [iniPath];
  const child = spawn(PGBOUNCER_BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const url = new URL(upstream);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const stop = async () => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(url.toString(), child);
  } catch (error) {
    await stop();
    throw new Error(`PgBouncer did not start: ${(error as Error).message}\n${stderr}`);
  }
  return { url: url.toString(), stop };
}

async function waitUntilAnswering(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
