import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from '../../src/embedded/postgres.ts';
import { isAlive } from '../../src/embedded/processes.ts';
import { readState } from '../../src/embedded/shared.ts';
import { createLogger } from '../../src/logger.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { childProcessesOf, eventually, type RoleProcess, runCommand, spawnRole } from '../helpers/processes.ts';

// A VIDEO run on `npm start`'s embedded defaults, as a developer lives it: another command on the
// same DATA_DIR while it runs, then Ctrl+C in the middle of a flow, then a restart.
let root: string;
let env: Record<string, string>;
let server: (RoleProcess & { port: number; apiKey: string }) | undefined;
/** The PostgreSQL this test starts itself, as "someone else" bringing the database back. */
let ourPostgres: EmbeddedPostgresHandle | undefined;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'framewright-chaos-'));
  await chmod(root, 0o755);
  // A lease far longer than the test: a job that is not handed back on shutdown would stay stuck.
  env = {
    DATA_DIR: path.join(root, 'data'),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_SECONDS: '1',
    WORKER_LEASE_SECONDS: '600',
  };
});

afterAll(async () => {
  await server?.stop(5000);
  await ourPostgres?.stop();
  const pidFile = await readFile(path.join(root, 'data', 'postgres', 'postmaster.pid'), 'utf8').catch(() => undefined);
  const leftover = pidFile === undefined ? undefined : Number.parseInt(pidFile, 10);
  if (leftover !== undefined && isAlive(leftover)) process.kill(leftover, 'SIGINT');
  if (root) await rm(root, { recursive: true, force: true });
});

async function serve(): Promise<RoleProcess & { port: number; apiKey: string }> {
  const started = await spawnRole('serve', {
    env,
    ready: (line) => typeof line === 'object' && line['msg'] === 'API listening',
    detached: true,
  });
  const apiKey = await eventually('the demo key in the banner', async () => /fw_[A-Za-z0-9_-]+/.exec(started.stdout())?.[0]);
  return { ...started, port: started.port!, apiKey };
}

// biome-ignore lint/suspicious/noExplicitAny: raw answers of hand-written queries, read field by field where used
async function graphql(key: string, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const response = await fetch(`http://127.0.0.1:${server!.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: raw answers of hand-written queries, read field by field where used
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

async function createVideoRun(key: string): Promise<string> {
  const png = await pngWithTransparentBorder(120, 80);
  const { createUpload: upload } = await graphql(
    key,
    'mutation($input: CreateUploadInput!) { createUpload(input: $input) { ... on Upload { id url } } }',
    {
      input: { filename: 'a.png', contentType: 'image/png', size: png.length },
    },
  );
  const put = await fetch(upload.url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) });
  expect(put.status).toBe(200);
  const { createWorkflow } = await graphql(
    key,
    'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename ... on Workflow { id } } }',
    {
      input: {
        title: 'Chaos',
        model: 'vim_new_year_2026',
        primaryUserId: 'u1',
        uploadId: upload.id,
        options: { pipelineMode: 'VIDEO', aspectRatio: '9:16' },
      },
    },
  );
  expect(createWorkflow.__typename).toBe('Workflow');
  return createWorkflow.id as string;
}

const stateQuery =
  'query($id: ID!) { workflow(id: $id) { ... on Workflow { processingStatus completions { flow status attempts error } } } }';

/** Waits until `flow` runs and its ffmpeg is up under the server process. */
async function ffmpegRunning(key: string, id: string, flow: string): Promise<void> {
  await eventually(
    `${flow} running with its ffmpeg`,
    async () => {
      const { workflow } = await graphql(key, stateQuery, { id });
      if (workflow.processingStatus === 'FAILED') throw new Error(`the run failed: ${JSON.stringify(workflow.completions)}`);
      const running = workflow.completions.some((c: { flow: string; status: string }) => c.flow === flow && c.status === 'RUNNING');
      return running && (await childProcessesOf(server!.child.pid!, 'ffmpeg')).length > 0 ? true : undefined;
    },
    240_000,
  );
}

test('a VIDEO run survives a second command, Ctrl+C mid-flow and a restart, and finishes', async () => {
  server = await serve();
  const id = await createVideoRun(server.apiKey);
  await ffmpegRunning(server.apiKey, id, 'CREATE_MEDIA');

  const created = await runCommand(['customer', 'create', '--name', 'Mid-run'], env);
  expect(created.code, created.stderr).toBe(0);
  // CREATE_MEDIA encodes the clip and the MP4 (VIDEO_OVERLAY's) in one pass: still mid-flow.
  await ffmpegRunning(server.apiKey, id, 'CREATE_MEDIA');

  process.kill(-server.child.pid!, 'SIGINT');
  expect((await server.exited).code).toBe(0);
  // Handed back by the worker itself, not left RUNNING until a lease of 10 minutes ends.
  const released = server
    .output()
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['msg'] === 'flow interrupted by shutdown; job released' || line['msg'] === 'released jobs for other workers');
  expect(released.length, server.output().slice(-15).join('\n')).toBeGreaterThan(0);

  server = await serve();
  const finished = await eventually(
    'the run to end',
    async () => {
      const { workflow } = await graphql(server!.apiKey, stateQuery, { id });
      return workflow.processingStatus === 'SUCCESS' || workflow.processingStatus === 'FAILED' ? workflow : undefined;
    },
    240_000,
  );

  expect(finished.processingStatus).toBe('SUCCESS');
  // No flow lost an attempt to the interruptions: every one succeeded on its first counted try.
  expect(finished.completions.map((c: { attempts: number }) => c.attempts)).toEqual([1, 1, 1, 1, 1]);
  process.kill(-server.child.pid!, 'SIGINT');
  expect((await server.exited).code).toBe(0);
  server = undefined;
}, 600_000);

test('PostgreSQL stopped and started again by someone else mid-run: the service recovers and the run finishes', async () => {
  // Lease renewals fail while the database is away; a short lease lets the worker take its own job back if it lost it.
  env = { ...env, WORKER_LEASE_SECONDS: '10' };
  server = await serve();
  const id = await createVideoRun(server.apiKey);
  await ffmpegRunning(server.apiKey, id, 'CREATE_MEDIA');

  const postgresDir = path.join(root, 'data', 'postgres');
  const postmaster = Number.parseInt(await readFile(path.join(postgresDir, 'postmaster.pid'), 'utf8'), 10);
  process.kill(postmaster, 'SIGINT');
  await eventually('the postmaster to exit', async () => (isAlive(postmaster) ? undefined : true));
  const { port } = (await readState(path.join(root, 'data'))).postgres!;
  ourPostgres = await startEmbeddedPostgres(postgresDir, createLogger('silent'), port);

  const finished = await eventually(
    'the run to end',
    async () => {
      const answer = await graphql(server!.apiKey, stateQuery, { id }).catch(() => undefined);
      const status = answer?.['workflow']?.processingStatus;
      return status === 'SUCCESS' || status === 'FAILED' ? answer!['workflow'] : undefined;
    },
    300_000,
  );
  expect(finished.processingStatus, JSON.stringify(finished.completions)).toBe('SUCCESS');
  process.kill(-server.child.pid!, 'SIGINT');
  expect((await server.exited).code).toBe(0);
  server = undefined;
}, 600_000);
