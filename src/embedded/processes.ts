import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The command line of a process, to tell ours from an unrelated one that got a recycled pid;
 * undefined where that cannot be told (no /proc, as on macOS, or the process is gone).
 */
async function processCommand(pid: number): Promise<string | undefined> {
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return cmdline?.replaceAll('\0', ' ');
}

/** A live process whose command line mentions `name`, or whose command line cannot be read. */
export async function isLiveProcessOf(pid: number, name: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  return (await processCommand(pid))?.includes(name) ?? true;
}

/** Calls `check` every `intervalMs` until it returns a value; undefined when `timeoutMs` passes first. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs: number },
): Promise<T | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(options.intervalMs);
  }
}
