import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { findFreePort } from '../../src/embedded/free-port.ts';
import { type EmbeddedState, readState, useEmbeddedServices } from '../../src/embedded/shared.ts';
import { createLogger } from '../../src/logger.ts';

// Who owns a DATA_DIR's embedded services is decided from the pid in embedded.json.
const logger = createLogger('silent');
let root: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'framewright-owner-'));
  await chmod(root, 0o755);
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  if (root) await rm(root, { recursive: true, force: true });
});

async function dataDirWith(name: string, state: EmbeddedState): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'embedded.json'), JSON.stringify(state));
  return dir;
}

function running(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  return child;
}

test('a live Node process in embedded.json owns the services: they are used, not started or stopped', async () => {
  const owner = running(process.execPath, ['-e', 'setTimeout(() => {}, 120000)']);
  const state = {
    postgres: { ownerPid: owner.pid!, port: 1, url: 'postgres://framewright:secret@127.0.0.1:1/framewright' },
    s3: { ownerPid: owner.pid!, port: 2, endpoint: 'http://127.0.0.1:2' },
  };
  const dataDir = await dataDirWith('live-owner', state);

  const services = await useEmbeddedServices(dataDir, { postgres: true, s3: true, bucket: 'framewright' }, logger);
  await services.stop();

  expect([services.databaseUrl, services.s3Endpoint]).toEqual([state.postgres.url, state.s3.endpoint]);
  expect(await readState(dataDir)).toEqual(state);
});

test('a recycled pid (another program now) is no owner: the services are started here, on the remembered ports', async () => {
  const stranger = running('sleep', ['120']);
  const [postgresPort, s3Port] = [await findFreePort(), await findFreePort()];
  const dataDir = await dataDirWith('recycled-pid', {
    postgres: { ownerPid: stranger.pid!, port: postgresPort, url: `postgres://framewright:secret@127.0.0.1:${postgresPort}/framewright` },
    s3: { ownerPid: stranger.pid!, port: s3Port, endpoint: `http://127.0.0.1:${s3Port}` },
  });

  const services = await useEmbeddedServices(dataDir, { postgres: true, s3: true, bucket: 'framewright' }, logger);
  try {
    const state = await readState(dataDir);
    expect([state.postgres?.ownerPid, state.s3?.ownerPid]).toEqual([process.pid, process.pid]);
    expect([state.postgres?.port, state.s3?.port]).toEqual([postgresPort, s3Port]);
    const client = new pg.Client({ connectionString: services.databaseUrl });
    await client.connect();
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();
    expect((await fetch(`${services.s3Endpoint}/`)).status).toBeLessThan(500);
  } finally {
    await services.stop();
  }
  const after = await readState(dataDir);
  expect([after.postgres?.ownerPid, after.s3?.ownerPid]).toEqual([null, null]);
}, 120_000);
