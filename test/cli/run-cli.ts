import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/framewright.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `framewright` as a user would, with exactly this environment (plus PATH) and stdout a
 * pipe, so it prints plain lines rather than bars.
 */
export function framewright(args: string[], env: Record<string, string>, onStdoutLine?: (line: string) => void): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const complete = stdout.lastIndexOf('\n') + 1;
      stdout += chunk.toString();
      for (const line of lines(stdout.slice(complete, stdout.lastIndexOf('\n') + 1))) onStdoutLine?.(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}

/** stderr without Node's own warnings (the AWS SDK's about Node versions), which are not the CLI's output. */
export function cliErrors(stderr: string): string[] {
  return lines(stderr).filter((line) => line.startsWith('framewright:'));
}

export const EXAMPLE_IMAGE = path.join(ROOT, 'examples/subject.png');
