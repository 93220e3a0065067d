import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackRunning } from './leaks.ts';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** What a child may inherit: enough to run node, nothing that configures the service by accident. */
const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'SYSTEMROOT'];

export interface RoleProcess {
  child: ChildProcess;
  /** The "port" of the ready line, when it has one (the api role's "API listening" does). */
  port?: number;
  /** The stderr lines so far (pino JSON), for failure messages. */
  output(): string[];
  /**
   * The first stderr line that satisfies `matches`, once it has arrived: a process writes its log
   * lines in batches (up to 50 ms late), so a line is not there the moment what it reports is done.
   * Rejects after timeoutMs (default 5 s) with the last lines.
   */
  waitForLine(matches: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** What it printed on stdout so far (the start banner, a command's JSON line). */
  stdout(): string;
  /** Resolves on exit, with how it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, waits for the exit (SIGKILL after killAfterMs, default 20 s); at once if it has exited. */
  stop(killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnRoleOptions {
  /** The whole configuration of the child, on top of PATH, HOME and the like. */
  env: Record<string, string>;
  /** True for the log line that says the process is ready; gets each stderr line, parsed when it is JSON. */
  ready: (line: Record<string, unknown> | string) => boolean;
  /** Default 90 s: a cold start compiles the TypeScript sources through tsx. */
  readyTimeoutMs?: number;
  /**
   * Leads a process group of its own, like a command started in a terminal: signal the group
   * (`process.kill(-child.pid, 'SIGINT')`) to act as Ctrl+C does, reaching every process in it.
   */
  detached?: boolean;
}

/**
 * Starts `node bin/framewright.js <role> [...args]` as a real process and resolves once a stderr
 * line satisfies `ready`. Rejects (and kills the child) when it exits or times out first.
 */
export function spawnRole(role: string | string[], options: SpawnRoleOptions): Promise<RoleProcess> {
  const args = Array.isArray(role) ? role : [role];
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  const child = spawn(process.execPath, ['bin/framewright.js', ...args], {
    cwd: projectRoot,
    env: { ...env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const lines: string[] = [];
  const lineWaiters = new Set<(line: string) => void>();
  const waitForLine: RoleProcess['waitForLine'] = (matches, timeoutMs = 5000) => {
    const found = lines.find(matches);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        lineWaiters.delete(waiter);
        reject(new Error(`no such line within ${timeoutMs} ms; the last ones:\n${lines.slice(-10).join('\n')}`));
      }, timeoutMs);
      const waiter = (line: string) => {
        if (!matches(line)) return;
        clearTimeout(timer);
        lineWaiters.delete(waiter);
        resolve(line);
      };
      lineWaiters.add(waiter);
    });
  };
  // Read stdout too: a pipe nobody drains stalls the child once its buffer fills.
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const untrack = trackRunning(child, `framewright ${args.join(' ')} (pid ${child.pid})`, () => stop(2000));
  void exited.then(untrack);
  const stop: RoleProcess['stop'] = async (killAfterMs = 20_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    }
    return exited;
  };

  return new Promise((resolve, reject) => {
    const describe = () => `${args.join(' ')}: ${lines.slice(-20).join('\n')}`;
    const timer = setTimeout(() => {
      void stop(1000);
      reject(new Error(`not ready within ${options.readyTimeoutMs ?? 90_000} ms\n${describe()}`));
    }, options.readyTimeoutMs ?? 90_000);
    let isReady = false;
    readline.createInterface({ input: child.stderr! }).on('line', (line) => {
      lines.push(line);
      for (const waiter of lineWaiters) waiter(line);
      if (isReady) return;
      const parsed = parseJsonObject(line);
      if (!options.ready(parsed ?? line)) return;
      isReady = true;
      clearTimeout(timer);
      const port = typeof parsed?.['port'] === 'number' ? parsed['port'] : undefined;
      resolve({ child, port, output: () => [...lines], waitForLine, stdout: () => stdout, exited, stop });
    });
    void exited.then(({ code, signal }) => {
      if (isReady) return;
      clearTimeout(timer);
      reject(new Error(`exited (code ${code}, signal ${signal}) before it was ready\n${describe()}`));
    });
  });
}

/** The API role alone; resolves with the port it listens on (start it with PORT=0). */
export async function spawnApiProcess(env: Record<string, string>): Promise<RoleProcess & { port: number }> {
  const api = await spawnRole('api', {
    env,
    ready: (line) => typeof line === 'object' && line['msg'] === 'API listening',
  });
  if (api.port === undefined) {
    await api.stop();
    throw new Error('the "API listening" line has no port');
  }
  return { ...api, port: api.port };
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Live processes whose parent is `parentPid` and whose command name starts with `name` (Linux /proc). */
export async function childProcessesOf(parentPid: number, name: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue; // exited while we looked
    // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, ppid] = stat.slice(close + 2).split(' ');
    if (Number(ppid) === parentPid && comm.startsWith(name) && state !== 'Z') found.push(Number(entry));
  }
  return found;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs` with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `node bin/framewright.js ...args` to its end with this configuration, as an operator would. */
export function runCommand(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const inherited: Record<string, string> = {};
  for (const name of INHERITED_ENV) if (process.env[name] !== undefined) inherited[name] = process.env[name]!;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/framewright.js', ...args], {
      cwd: projectRoot,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
