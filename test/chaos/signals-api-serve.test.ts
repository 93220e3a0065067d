import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { type RoleProcess, spawnRole } from '../helpers/processes.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { allEnded, ledgerOf } from './chaos-helpers.ts';

// SIGTERM (an orchestrator) and SIGINT (Ctrl+C) reach the `api` and `serve` roles while a
// multipart createWorkflow is half uploaded and, for `serve`, while its worker runs flows. The
// contract: the upload completes and creates its workflow, the jobs are handed back, exit code 0.
// (The worker role mid-ffmpeg is test/faults/signals.test.ts.)
let app: TestApp;
let dataDir: string;
let server: (RoleProcess & { port: number }) | undefined;

beforeAll(async () => {
  app = await startTestApp();
  // `serve` keeps its demo key file there; never in the checkout.
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'framewright-signals-'));
});

afterAll(async () => {
  await server?.stop(2000);
  await app?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function start(role: 'api' | 'serve'): Promise<RoleProcess & { port: number }> {
  const env = { ...app.serviceEnv, DATA_DIR: dataDir, SHUTDOWN_GRACE_SECONDS: '20', WORKER_LEASE_SECONDS: '300' };
  const started = await spawnRole(role, { env, ready: (line) => typeof line === 'object' && line['msg'] === 'API listening' });
  return { ...started, port: started.port! };
}

/** The multipart body of a createWorkflow, split in the middle of the file. */
async function multipartHalves(): Promise<{ boundary: string; head: Buffer; tail: Buffer }> {
  const boundary = `chaos${randomBytes(8).toString('hex')}`;
  const png = await pngWithTransparentBorder(400, 200);
  const query = 'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename ... on Workflow { id } } }';
  const input = { title: 'In flight', model: 'vim_new_year_2026', primaryUserId: 'u1', options: { pipelineMode: 'IMAGE' }, source: null };
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const fileHeader = `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`;
  const whole = Buffer.concat([
    Buffer.from(field('operations', JSON.stringify({ query, variables: { input } })) + field('map', '{"0":["variables.input.source"]}')),
    Buffer.from(fileHeader),
    png,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const cut = whole.length - Math.floor(png.length / 2);
  return { boundary, head: whole.subarray(0, cut), tail: whole.subarray(cut) };
}

/** Sends the first half of an upload; `finish()` sends the rest and resolves with the parsed answer. */
async function startUpload(port: number, apiKey: string): Promise<{ finish: () => Promise<{ status: number; body: unknown }> }> {
  const { boundary, head, tail } = await multipartHalves();
  const request = http.request({
    host: '127.0.0.1',
    port,
    path: '/graphql',
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'graphql-require-preflight': '1',
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + tail.length,
      // The server answers "100 Continue" once it has accepted the connection and read the headers.
      expect: '100-continue',
    },
  });
  const answer = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
    });
  });
  const accepted = new Promise<void>((resolve) => request.once('continue', resolve));
  request.flushHeaders();
  // Bounded by the test's timeout; from here on the request is in flight, so a signal must let it finish.
  const first = await Promise.race([accepted.then(() => 'accepted' as const), answer.then(() => 'answered' as const)]);
  if (first === 'answered') throw new Error('the server answered before the body was sent');
  await new Promise<void>((resolve, reject) => request.write(head, (error) => (error ? reject(error) : resolve())));
  const finish = () => {
    request.end(tail);
    return answer;
  };
  return { finish };
}

test.each([
  ['api', 'SIGTERM'],
  ['api', 'SIGINT'],
  ['serve', 'SIGTERM'],
  ['serve', 'SIGINT'],
] as const)(
  '%s gets %s mid-upload and mid-flow: the upload completes, jobs are handed back, exit 0',
  async (role, signal) => {
    const { customerId, apiKey } = await app.createCustomer(100);
    // Queued before `serve` starts, so its worker is busy with flows when the signal comes.
    const queued = await Promise.all([0, 1, 2, 3].map(() => createWorkflowFor(app, customerId)));
    server = await start(role);
    const upload = await startUpload(server.port, apiKey);

    server.child.kill(signal);
    const answer = await upload.finish();
    const { code } = await server.exited;
    server = undefined;

    expect(answer).toMatchObject({ status: 200, body: { data: { createWorkflow: { __typename: 'Workflow' } } } });
    expect(code).toBe(0);
    // Nothing left RUNNING under the stopped process: a lease of 300 s would hold it for minutes.
    const held = await app.db.selectFrom('jobs').select(['status', 'locked_by']).where('status', '=', 'RUNNING').execute();
    expect(held).toEqual([]);
    const created = (answer.body as { data: { createWorkflow: { id: string } } }).data.createWorkflow.id;
    const ids = [...queued.map((workflow) => workflow.id), created];
    const worker = app.startWorker();
    const statuses = await allEnded(app, ids, 120_000);
    await worker.stop(0);
    expect([...statuses.values()]).toEqual(ids.map(() => 'SUCCESS'));
    expect(Object.values(await ledgerOf(app, ids))).toEqual(ids.map(() => ['RESERVATION']));
  },
  240_000,
);
