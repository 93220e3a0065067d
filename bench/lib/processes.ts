import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from './stats.ts';

/** The repository root: bench/lib/../.. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const children = new Set<Child>();
let logDir = ROOT;
/** Set by stopAll: a benchmark that goes on after an interrupt may start nothing more. */
let stopping = false;

/** Gone, by its own exit or by a signal. */
export function hasExited(child: Child): boolean {
  return child.process.exitCode !== null || child.process.signalCode !== null;
}

/** Where children's stdout and stderr go, one file each (the bench's own pipes would slow them under load). */
export function setLogDir(dir: string): void {
  logDir = dir;
}

/**
 * Starts a Node process in a process group of its own (so its ffmpeg children go with it), with
 * Node running the TypeScript itself. Every child is stopped by `stopAll`, which the bench runs on any exit.
 */
export function startNode(name: string, args: string[], env: Record<string, string | undefined>, cwd = ROOT): Child {
  if (stopping) throw new Error(`the bench is stopping: ${name} is not started`);
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out, 'ipc'],
    detached: true,
  });
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const entry: Child = {
    name,
    process: child,
    logFile,
    exited,
    stop: async () => {
      children.delete(entry);
      if (hasExited(entry)) return;
      signalGroup(child, 'SIGTERM');
      const gone = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!gone) {
        signalGroup(child, 'SIGKILL');
        await exited;
      }
    },
  };
  children.add(entry);
  return entry;
}

/** A `framewright` CLI process (api, worker, serve); `root`: another checkout's CLI, for an A/B in one run. */
export function startService(name: string, role: 'api' | 'worker' | 'serve', env: Record<string, string | undefined>, root = ROOT): Child {
  return startNode(name, [path.join(root, 'bin', 'framewright.js'), role], env, root);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all([...children].map((child) => child.stop()));
}

/** Kills what is left at once: the last resort on a second Ctrl-C or a crash of the bench itself. */
export function killAllNow(): void {
  for (const child of children) signalGroup(child.process, 'SIGKILL');
  children.clear();
}

/** Waits until `text` appears in the child's log; fails if the child exits first or time runs out. */
export async function waitForLog(child: Child, text: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (fs.readFileSync(child.logFile, 'utf8').includes(text)) return;
    if (exited) throw new Error(`${child.name} exited before "${text}"; see ${child.logFile}`);
    await sleep(100);
  }
  throw new Error(`${child.name}: no "${text}" within ${timeoutMs} ms; see ${child.logFile}`);
}

/** Waits for GET url to answer 200. */
export async function waitForHttp(child: Child, url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited(child)) throw new Error(`${child.name} exited; see ${child.logFile}`);
    const ok = await fetch(url)
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${child.name}: ${url} not ready within ${timeoutMs} ms; see ${child.logFile}`);
}

/** Runs a child to its end and returns the last line it printed on stdout as JSON (the child's result). */
export async function runForResult<T>(name: string, args: string[], env: Record<string, string | undefined> = {}): Promise<T> {
  const child = startNode(name, args, env);
  const code = await child.exited;
  children.delete(child);
  const lines = fs.readFileSync(child.logFile, 'utf8').trim().split('\n');
  const resultLine = [...lines].reverse().find((line) => line.startsWith('{"result":'));
  if (code !== 0 || !resultLine) throw new Error(`${name} failed (exit ${code}); see ${child.logFile}`);
  return (JSON.parse(resultLine) as { result: T }).result;
}
