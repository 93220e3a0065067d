import fs from 'node:fs';
import path from 'node:path';
import { type Child, hasExited, ROOT, startNode, startService, waitForLog } from './processes.ts';
import type { Stack } from './stack.ts';
import { sleep } from './stats.ts';

export interface ApiProcess {
  child: Child;
  port: number;
  url: string;
}

/** Waits for a log line matching `pattern` and returns its first group as a number (a port). */
async function portFromLog(child: Child, pattern: RegExp, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(fs.readFileSync(child.logFile, 'utf8'));
    if (match) return Number(match[1]);
    if (hasExited(child)) throw new Error(`${child.name} exited; see ${child.logFile}`);
    await sleep(100);
  }
  throw new Error(`${child.name} did not report its port; see ${child.logFile}`);
}

/** A `framewright api` process on a free port, ready to serve; `root`: another checkout's (see startService). */
export async function startApi(stack: Stack, name: string, env: Record<string, string> = {}, root?: string): Promise<ApiProcess> {
  const child = startService(name, 'api', { ...stack.serviceEnv, PORT: '0', ...env }, root);
  const port = await portFromLog(child, /"port":(\d+)[^\n]*"msg":"API listening"/);
  return { child, port, url: `http://127.0.0.1:${port}/graphql` };
}

/** A `framewright worker` process whose claim loops are running. */
export async function startWorker(stack: Stack, name: string, env: Record<string, string> = {}): Promise<Child> {
  const child = startService(name, 'worker', { ...stack.serviceEnv, ...env });
  await waitForLog(child, '"msg":"worker started"');
  return child;
}

/** The bare graphql-yoga `{ hello }` server: the baseline of the reads. */
export async function startBareYoga(): Promise<ApiProcess> {
  const child = startNode('bare-yoga', [path.join(ROOT, 'bench', 'load', 'bare-yoga.ts')], { PORT: '0' });
  const port = await portFromLog(child, /bare yoga listening on (\d+)/);
  return { child, port, url: `http://127.0.0.1:${port}/graphql` };
}
