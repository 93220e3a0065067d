// `npm run bench [-- <names...>] [--json]`: starts what it needs, runs the benchmarks, prints a table.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow } from './lib/bench-row.ts';
import type { BenchContext } from './lib/context.ts';
import { killAllNow, ROOT, stopAll } from './lib/processes.ts';
import { type Stack, startStack } from './lib/stack.ts';

type Bench = (context: BenchContext) => Promise<BenchRow[]>;

const BENCHES: Record<string, () => Promise<Bench>> = {
  reads: async () => (await import('./reads.ts')).runReads,
  fanout: async () => (await import('./fanout.ts')).runFanout,
  runner: async () => (await import('./job-runner.ts')).runJobRunner,
  pipeline: async () => (await import('./pipeline.ts')).runPipeline,
  logerror: async () => (await import('./log-error.ts')).runLogError,
  startup: async () => (await import('./startup.ts')).runStartup,
};
const ALL = Object.keys(BENCHES);

/** `scale` lives in a file of its own that may not exist in this checkout: imported only when asked for. */
async function runScale(): Promise<BenchRow[] | undefined> {
  const file = path.join(import.meta.dirname, 'scale.ts');
  if (!(await fs.stat(file).catch(() => undefined))) return undefined;
  const module = (await import(file)) as { runScale(): Promise<BenchRow[]> };
  return module.runScale();
}

function parseArgs(argv: string[]): { names: string[]; json: boolean; loadSeconds: number } {
  const json = argv.includes('--json');
  const secondsFlag = argv.find((arg) => arg.startsWith('--seconds='));
  const names = argv.filter((arg) => !arg.startsWith('--'));
  for (const name of names) {
    if (name !== 'scale' && !BENCHES[name]) throw new Error(`unknown benchmark "${name}"; choose from ${[...ALL, 'scale'].join(', ')}`);
  }
  return { names: names.length > 0 ? names : ALL, json, loadSeconds: secondsFlag ? Number(secondsFlag.split('=')[1]) : 10 };
}

function formatTable(rows: BenchRow[]): string {
  const header = ['benchmark', 'value', 'unit', 'baseline', 'baseline value', 'ratio'];
  const cells = rows.map((r) => [
    r.name,
    String(r.value),
    r.unit,
    r.baseline ?? '',
    r.baselineValue === null ? '' : String(r.baselineValue),
    r.ratio === null ? '' : `${r.ratio}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((value, i) => (i === 1 || i >= 4 ? value.padStart(widths[i]!) : value.padEnd(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const log = (message: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
  log(
    `machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const rows: BenchRow[] = [];
  let stack: Stack | undefined;
  try {
    for (const name of options.names) {
      if (name === 'scale') {
        const scaleRows = await runScale();
        if (scaleRows) rows.push(...scaleRows);
        else log('scale: not available');
        continue;
      }
      if (!stack) {
        stack = await startStack();
        log(`logs of the bench's processes: ${stack.dir}`);
      }
      log(`${name}: starting`);
      const bench = await BENCHES[name]!();
      rows.push(
        ...(await bench({ stack, loadSeconds: options.loadSeconds, log }).catch((error: unknown) => {
          // Said before the cleanup, whose own noise could hide it.
          log(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          throw error;
        })),
      );
      log(`${name}: done`);
    }
  } finally {
    await stopAll();
    await stack?.stop();
  }
  process.stdout.write(`${formatTable(rows)}\n`);
  if (options.json) {
    const file = path.join(ROOT, 'bench', 'results.json');
    await fs.writeFile(file, `${JSON.stringify(rows, null, 2)}\n`);
    log(`wrote ${path.relative(ROOT, file)}`);
  }
  log(
    `finished in ${((Date.now() - started) / 1000).toFixed(0)} s; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) {
      killAllNow();
      process.exit(130);
    }
    interrupted = true;
    process.exitCode = 130;
    // The running benchmark fails once its processes are gone; main's cleanup then stops the database and bucket.
    process.stderr.write(`${signal}: stopping the bench's processes (again to kill them at once)\n`);
    void stopAll();
  });
}
process.on('exit', killAllNow);

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode ||= 1;
});
