// `npm run bench -- startup`: how soon a command answers and a worker is ready, now that Node runs
// the TypeScript itself, beside a bare Node start on the same machine in the same run.
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { type BenchRow, row } from './lib/bench-row.ts';
import type { BenchContext } from './lib/context.ts';
import { ROOT } from './lib/processes.ts';

const RUNS = 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Wall time of a whole process, spawn to exit. */
function timeProcess(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

/** Spawn to the worker's "worker started" line (migrated, connected, listening for jobs), then a clean stop. */
function timeWorkerReady(env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/framewright.js', 'worker'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the worker was not ready within 30 s'));
    }, 30_000);
    let ready = false;
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      if (ready || !line.includes('"msg":"worker started"')) return;
      ready = true;
      const elapsed = performance.now() - started;
      clearTimeout(timer);
      child.kill('SIGTERM');
      void exited.then(() => resolve(elapsed));
    });
    child.once('exit', (code) => {
      if (!ready) reject(new Error(`the worker exited (${code}) before it was ready`));
    });
  });
}

export async function runStartup({ stack, log }: BenchContext): Promise<BenchRow[]> {
  const bare: number[] = [];
  const help: number[] = [];
  const worker: number[] = [];
  // The first of each is a warm-up (disk cache): not counted.
  await timeProcess(['-e', '']);
  await timeProcess(['bin/framewright.js', '--help']);
  await timeWorkerReady(stack.serviceEnv);
  for (let i = 0; i < RUNS; i++) {
    bare.push(await timeProcess(['-e', '']));
    help.push(await timeProcess(['bin/framewright.js', '--help']));
    worker.push(await timeWorkerReady(stack.serviceEnv));
  }
  log(`startup: --help ${help.map((ms) => ms.toFixed(0)).join(' ')} ms; worker ready ${worker.map((ms) => ms.toFixed(0)).join(' ')} ms`);
  const baseline = { name: 'bare node -e "" (median)', value: median(bare) };
  return [
    row('startup: framewright --help, spawn to exit (median)', median(help), 'ms', baseline),
    row('startup: worker, spawn to "worker started" (median)', median(worker), 'ms', baseline),
  ];
}
