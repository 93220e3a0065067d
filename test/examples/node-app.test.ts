import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';

// The client as an app gets it: `npm pack` of packages/client, installed into an empty project
// (its dependencies from npm's cache, or the registry), and examples/node-app run from there to
// SUCCESS against a service that takes trusted documents only.

const run = promisify(execFile);
const repository = path.resolve(import.meta.dirname, '../..');

let app: TestApp;
let apiKey: string;
let directory: string;

beforeAll(async () => {
  app = await startTestApp({ http: { trustedDocuments: 'require' }, worker: { concurrency: 1 } });
  ({ apiKey } = await app.createCustomer(5, 'Example app'));
  directory = await mkdtemp(path.join(tmpdir(), 'fw-node-app-'));
});
afterAll(async () => {
  await app?.stop();
  await rm(directory, { recursive: true, force: true });
});

test('the packed client installs into an empty project, and the example app runs to SUCCESS by hash', { timeout: 300_000 }, async () => {
  const packed = await run('npm', ['pack', '--silent', '--pack-destination', directory], { cwd: path.join(repository, 'packages/client') });
  const tarball = path.join(directory, packed.stdout.trim().split('\n').at(-1)!);
  const project = path.join(directory, 'project');
  await mkdir(project);
  for (const file of ['app.mjs', 'package.json'])
    await copyFile(path.join(repository, 'examples/node-app', file), path.join(project, file));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project });
  // Built JavaScript and declarations only: nothing of the repository's source, nothing of the server.
  const installed = await readdir(path.join(project, 'node_modules/@framewright/client/dist'), { recursive: true });
  expect(installed).toContain('index.d.ts');
  expect(installed.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);

  await writeFile(path.join(project, 'subject.png'), await pngWithTransparentBorder());
  const { stdout } = await run(process.execPath, ['app.mjs', 'subject.png', 'out'], {
    cwd: project,
    env: { ...process.env, FRAMEWRIGHT_URL: app.url, FRAMEWRIGHT_API_KEY: apiKey },
  });
  expect(stdout).toMatch(/^created [0-9a-f-]{36}$/m);
  expect(stdout).toMatch(/^SUCCESS 100%/m);
  const saved = /^saved (.+)$/m.exec(stdout)?.[1];
  expect(saved).toMatch(/\.png$/);
  expect((await readFile(path.join(project, saved!))).subarray(1, 4).toString()).toBe('PNG');
});
