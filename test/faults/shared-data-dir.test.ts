import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isAlive } from '../../src/embedded/processes.ts';
import { readState } from '../../src/embedded/shared.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { eventually, type RoleProcess, runCommand, spawnRole } from '../helpers/processes.ts';

// `npm start` on embedded defaults, as a newcomer runs it, with other commands on its DATA_DIR.
// The tests run in order and share the DATA_DIR, like one developer's afternoon.
let root: string;
let dataDir: string;
let env: Record<string, string>;
let server: (RoleProcess & { port: number; banner: string }) | undefined;
let demoKey: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'framewright-faults-'));
  // As root the cluster runs as the postgres user, who must be able to enter this folder.
  await chmod(root, 0o755);
  dataDir = path.join(root, 'data');
  env = { DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_GRACE_SECONDS: '5' };
});

afterAll(async () => {
  await server?.stop(5000);
  const leftover = await postmasterPid();
  if (leftover !== undefined && isAlive(leftover)) process.kill(leftover, 'SIGINT');
  if (root) await rm(root, { recursive: true, force: true });
});

/** `serve`, leading its own process group like a command typed in a terminal; resolves once the banner is out. */
async function serve(): Promise<RoleProcess & { port: number; banner: string }> {
  const started = await spawnRole('serve', {
    env,
    ready: (line) => typeof line === 'object' && line['msg'] === 'API listening',
    detached: true,
  });
  const banner = await eventually('the start banner', async () => (started.stdout().includes('GraphiQL') ? started.stdout() : undefined));
  return { ...started, port: started.port!, banner };
}

async function postmasterPid(): Promise<number | undefined> {
  const content = await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => undefined);
  return content === undefined ? undefined : Number.parseInt(content.split('\n')[0]!, 10);
}

// biome-ignore lint/suspicious/noExplicitAny: raw answers of hand-written queries, read field by field where used
async function graphql<T = Record<string, any>>(key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${server!.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

const credits = async (key: string) => (await graphql(key, '{ me { credits } }')).me.credits as number;

test('commands on a live DATA_DIR use its embedded services and leave them running', async () => {
  server = await serve();
  demoKey = /fw_[A-Za-z0-9_-]+/.exec(server.banner)![0];
  const postmaster = await postmasterPid();

  const created = await runCommand(['customer', 'create', '--name', 'Acme', '--credits', '3'], env);
  expect(created.code, created.stderr).toBe(0);
  const acme = JSON.parse(created.stdout) as { apiKey: string };
  const migrated = await runCommand(['migrate'], env);
  expect(migrated.code, migrated.stderr).toBe(0);
  const worker = await spawnRole('worker', { env, ready: (line) => typeof line === 'object' && line['msg'] === 'worker started' });
  expect((await worker.stop()).code).toBe(0);

  // The server answers from the database the command wrote to: one PostgreSQL, still the same.
  expect(await credits(acme.apiKey)).toBe(3);
  expect(await credits(demoKey)).toBe(100);
  expect(await postmasterPid()).toBe(postmaster);
  const state = await readState(dataDir);
  expect([state.postgres?.ownerPid, state.s3?.ownerPid]).toEqual([server.child.pid, server.child.pid]);
}, 180_000);

test('without ADMIN_API_KEY the embedded mode keeps an admin key in DATA_DIR (0600), prints it, and it grants credits', async () => {
  const adminKey = /Admin API key[^:]*: (fwadmin_[A-Za-z0-9_-]+)/.exec(server!.banner)?.[1];
  expect(adminKey, server!.banner).toBeDefined();
  const file = path.join(dataDir, 'admin-api-key');
  expect((await readFile(file, 'utf8')).trim()).toBe(adminKey);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  const me = (await graphql(demoKey, '{ me { id } }')).me as { id: string };
  const granted = await graphql(adminKey!, 'mutation($id: ID!) { grantCredits(customerId: $id, amount: 5) { credits } }', { id: me.id });
  expect(granted.grantCredits.credits).toBe(105);
  // A customer's key is not the admin's.
  await expect(
    graphql(demoKey, 'mutation($id: ID!) { grantCredits(customerId: $id, amount: 5) { credits } }', { id: me.id }),
  ).rejects.toThrow();
  expect(await credits(demoKey)).toBe(105);
});

test('Ctrl+C stops cleanly; after a restart earlier URLs still work and the banner shows the real balance', async () => {
  const png = await pngWithTransparentBorder(64, 32);
  const uploadQuery = `mutation($input: CreateUploadInput!) { createUpload(input: $input) { ... on Upload { id url } } }`;
  const input = { filename: 'a.png', contentType: 'image/png', size: png.length };
  const first = (await graphql(demoKey, uploadQuery, { input })).createUpload as { id: string; url: string };
  const second = (await graphql(demoKey, uploadQuery, { input })).createUpload as { id: string; url: string };
  const put = (url: string) => fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) });
  expect((await put(first.url)).status).toBe(200);
  const createWorkflow = `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename ... on Workflow { id } } }`;
  const workflow = (
    await graphql(demoKey, createWorkflow, {
      input: { title: 'Before', model: 'vim_new_year_2026', primaryUserId: 'u1', uploadId: first.id, options: { pipelineMode: 'IMAGE' } },
    })
  ).createWorkflow as { __typename: string; id: string };
  expect(workflow.__typename).toBe('Workflow');
  const resultQuery = `query($id: ID!) { workflow(id: $id) { ... on Workflow { processingStatus mediaResult { url(expiresIn: 3600) } } } }`;
  const mediaUrl = await eventually(
    'the IMAGE run to succeed',
    async () => {
      const { workflow: current } = await graphql(demoKey, resultQuery, { id: workflow.id });
      if (current.processingStatus === 'FAILED') throw new Error('the run failed');
      return current.processingStatus === 'SUCCESS' ? (current.mediaResult[0].url as string) : undefined;
    },
    120_000,
  );
  const media = Buffer.from(await (await fetch(mediaUrl)).arrayBuffer());

  const postmaster = (await postmasterPid())!;
  process.kill(-server!.child.pid!, 'SIGINT');
  expect((await server!.exited).code).toBe(0);
  expect(isAlive(postmaster)).toBe(false);
  server = await serve();

  expect(server.banner).toContain('(104 credits)');
  // The same admin key after a restart: it is read back from DATA_DIR, not made anew.
  expect(server.banner).toContain((await readFile(path.join(dataDir, 'admin-api-key'), 'utf8')).trim());
  const again = await fetch(mediaUrl);
  expect(again.status).toBe(200);
  expect(Buffer.from(await again.arrayBuffer()).equals(media)).toBe(true);
  // A browser's preflight before it PUTs to a presigned URL from another origin.
  const preflight = await fetch(second.url, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://app.example.test',
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'content-type',
    },
  });
  expect(preflight.status).toBe(200);
  expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
  expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
  expect((await put(second.url)).status).toBe(200);
}, 240_000);

test('an embedded PostgreSQL left running by a killed owner is cleaned up by the next command', async () => {
  const postmaster = (await postmasterPid())!;
  process.kill(server!.child.pid!, 'SIGKILL');
  await server!.exited;
  server = undefined;
  // In a process group of its own, the server outlives its killed owner.
  expect(isAlive(postmaster)).toBe(true);

  const created = await runCommand(['customer', 'create', '--name', 'After a crash'], env);

  expect(created.code, created.stderr).toBe(0);
  expect(created.stderr).toContain('whose owner process is gone');
  expect(isAlive(postmaster)).toBe(false);
  // That command owned what it started, and stopped it on its way out.
  const state = await readState(dataDir);
  expect([state.postgres?.ownerPid, state.s3?.ownerPid]).toEqual([null, null]);
}, 180_000);
