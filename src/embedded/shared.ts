import fs from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { Logger } from '../logger.ts';
import { rememberedOrFreePort } from './free-port.ts';
import { startEmbeddedPostgres } from './postgres.ts';
import { isLiveProcessOf } from './processes.ts';
import { startEmbeddedS3 } from './s3.ts';

/**
 * Who runs each embedded service of a DATA_DIR, and where: kept in `DATA_DIR/embedded.json`.
 * The ports stay after the owner stops, so the next start takes the same ones.
 */
export interface EmbeddedState {
  postgres?: { ownerPid: number | null; port: number; url: string };
  s3?: { ownerPid: number | null; port: number; endpoint: string };
}

export interface EmbeddedServices {
  /** Set when postgres was asked for: ours, or the one another live process runs on this DATA_DIR. */
  databaseUrl?: string;
  s3Endpoint?: string;
  /** Stops what this process owns (S3, then Postgres); leaves alone what others own. */
  stop(): Promise<void>;
}

const STATE_FILE = 'embedded.json';

/**
 * The embedded services of `dataDir`, shared by every command started on it. A service whose
 * owner process is alive is used as it is; one whose owner is gone (or that never ran) is started
 * here, on the port it had before when that is still free, and this process becomes its owner.
 * The decision runs under a lock on the state file, so commands started at once agree on one owner.
 */
export async function useEmbeddedServices(
  dataDir: string,
  wanted: { postgres: boolean; s3: boolean; bucket: string },
  logger: Logger,
): Promise<EmbeddedServices> {
  await fs.mkdir(dataDir, { recursive: true });
  const services: EmbeddedServices = { stop: async () => {} };
  const stops: Array<() => Promise<void>> = [];
  const stopOwned = async () => {
    for (const stop of [...stops].reverse()) await stop();
  };
  try {
    await withStateLock(dataDir, logger, async (state) => {
      if (wanted.postgres) services.databaseUrl = await usePostgres(dataDir, state, logger, stops);
      if (wanted.s3) services.s3Endpoint = await useS3(dataDir, state, wanted.bucket, logger, stops);
    });
  } catch (error) {
    await stopOwned();
    throw error;
  }
  services.stop = async () => {
    if (stops.length === 0) return;
    // Mark them stopped before stopping, under the lock: a command starting now waits, then starts its own.
    await withStateLock(dataDir, logger, async (current) => {
      for (const service of ['postgres', 's3'] as const) {
        if (isOwner(current, service)) current[service]!.ownerPid = null;
      }
      await stopOwned();
    });
  };
  return services;
}

async function usePostgres(dataDir: string, state: EmbeddedState, logger: Logger, stops: Array<() => Promise<void>>): Promise<string> {
  const running = state.postgres;
  if (running && (await liveOtherOwner(running.ownerPid))) {
    logger.info({ port: running.port, ownerPid: running.ownerPid }, 'using the embedded PostgreSQL another process runs on this DATA_DIR');
    return running.url;
  }
  const port = await rememberedOrFreePort(running?.port, 'embedded PostgreSQL', logger);
  const started = await startEmbeddedPostgres(path.join(dataDir, 'postgres'), logger, port);
  stops.push(started.stop);
  state.postgres = { ownerPid: process.pid, port: started.port, url: started.url };
  return started.url;
}

async function useS3(
  dataDir: string,
  state: EmbeddedState,
  bucket: string,
  logger: Logger,
  stops: Array<() => Promise<void>>,
): Promise<string> {
  const running = state.s3;
  if (running && (await liveOtherOwner(running.ownerPid))) {
    logger.info({ port: running.port, ownerPid: running.ownerPid }, 'using the embedded S3 server another process runs on this DATA_DIR');
    return running.endpoint;
  }
  const port = await rememberedOrFreePort(running?.port, 'embedded S3', logger);
  const started = await startEmbeddedS3(path.join(dataDir, 's3'), logger, { port, corsBuckets: [bucket] });
  stops.push(started.stop);
  state.s3 = { ownerPid: process.pid, port: started.port, endpoint: started.endpoint };
  return started.endpoint;
}

/**
 * Our own pid in the file means a dead owner whose pid we were given (pid 1 in a container); a
 * live pid that is not a Node process was recycled by the system for another program.
 */
async function liveOtherOwner(pid: number | null): Promise<boolean> {
  return pid !== null && pid !== process.pid && (await isLiveProcessOf(pid, 'node'));
}

function isOwner(state: EmbeddedState, service: 'postgres' | 's3'): boolean {
  return state[service]?.ownerPid === process.pid;
}

/** Runs `change` on the state under an inter-process lock and writes the state back afterwards. */
async function withStateLock(dataDir: string, logger: Logger, change: (state: EmbeddedState) => Promise<void>): Promise<void> {
  const file = path.join(dataDir, STATE_FILE);
  const release = await lockfile.lock(file, {
    realpath: false,
    // The holder refreshes the lock while it works (a first start runs initdb); one killed mid-way leaves it stale after 15 s.
    stale: 15_000,
    retries: { retries: 1_000, factor: 1, minTimeout: 200, maxTimeout: 200 },
    onCompromised: (error) => logger.warn({ err: error }, 'lost the lock on the embedded services state'),
  });
  try {
    const state = await readState(dataDir);
    // On failure the file keeps what it said: whatever this call started has been stopped again.
    await change(state);
    await writeState(file, state);
  } finally {
    await release().catch(() => {});
  }
}

export async function readState(dataDir: string): Promise<EmbeddedState> {
  const text = await fs.readFile(path.join(dataDir, STATE_FILE), 'utf8').catch(() => undefined);
  if (!text) return {};
  try {
    return JSON.parse(text) as EmbeddedState;
  } catch {
    return {};
  }
}

async function writeState(file: string, state: EmbeddedState): Promise<void> {
  // Write then rename: a reader never sees half a file. It holds the database password: owner-only.
  const partial = `${file}.${process.pid}.tmp`;
  await fs.writeFile(partial, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(partial, file);
}
