import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { build, type Rolldown } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { launchChromium } from './browser.ts';

// @framewright/client in a browser, bundled as an app's bundler would (vite, browser build): no
// node: module in what the page loads up front, and a whole run — create from bytes, watch over the
// browser's own WebSocket, read the result — by hash against TRUSTED_DOCUMENTS=require, from
// another origin than the service's.

const repository = path.resolve(import.meta.dirname, '../..');

let app: TestApp;
let browser: Browser;
let site: http.Server;
let siteOrigin: string;
const chunks = new Map<string, Rolldown.OutputChunk>();

beforeAll(async () => {
  const output = await build({
    root: repository,
    configFile: false,
    logLevel: 'silent',
    build: { write: false, minify: false, lib: { entry: 'packages/client/src/index.ts', formats: ['es'], fileName: 'client' } },
  });
  for (const result of [output].flat() as Rolldown.RolldownOutput[]) {
    for (const item of result.output) if (item.type === 'chunk') chunks.set(item.fileName, item);
  }
  const image = await pngWithTransparentBorder(160, 96);
  site = http.createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    if (name === 'subject.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(image);
    const chunk = chunks.get(name);
    if (chunk) return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(chunk.code);
    // The app: the bundle's entry, imported as a module script would import it.
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(
        '<!doctype html><title>app</title><script type="module">import { FramewrightClient } from "./client.js"; window.FramewrightClient = FramewrightClient;</script>',
      );
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  app = await startTestApp({ http: { trustedDocuments: 'require' }, worker: { concurrency: 1 } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await new Promise((resolve) => site?.close(resolve));
});

/** The chunks a page loads before anything is called: the entry and its static imports, transitively. */
function loadedUpFront(): Rolldown.OutputChunk[] {
  const seen = new Map<string, Rolldown.OutputChunk>();
  const visit = (name: string) => {
    const chunk = chunks.get(name);
    if (!chunk || seen.has(name)) return;
    seen.set(name, chunk);
    for (const imported of chunk.imports) visit(imported);
  };
  visit('client.js');
  return [...seen.values()];
}

test('the browser build loads no node: module and no ws up front', () => {
  const upFront = loadedUpFront();
  expect(upFront.map((chunk) => chunk.fileName)).toContain('client.js');
  for (const chunk of upFront) {
    expect(chunk.imports.filter((name) => !chunks.has(name))).toEqual([]);
    expect(chunk.code).not.toMatch(/^import [^\n]*from ["'](node:|ws["'])/m);
  }
});

test('a page on another origin runs a workflow to SUCCESS with the bundled client, by hash', { timeout: 120_000 }, async () => {
  const { apiKey } = await app.createCustomer(3, 'Browser app');
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${siteOrigin}/`);
  await page.waitForFunction(() => 'FramewrightClient' in window);
  const outcome = await page.evaluate(
    async ({ url, apiKey }) => {
      const { FramewrightClient } = window as unknown as {
        FramewrightClient: typeof import('../../packages/client/src/index.ts').FramewrightClient;
      };
      const client = new FramewrightClient({ url, apiKey });
      const bytes = new Uint8Array(await (await fetch('/subject.png')).arrayBuffer());
      const created = await client.create(
        { bytes, filename: 'subject.png' },
        { title: 'From a browser', model: 'vim_new_year_2026', primaryUserId: 'browser-user', options: { pipelineMode: 'IMAGE' } },
      );
      const statuses: string[] = [];
      for await (const event of client.watch(created.id)) statuses.push(event.processingStatus);
      const finished = await client.get(created.id);
      return { statuses, me: await client.me(), media: finished.mediaResult.map((media: { contentType: string }) => media.contentType) };
    },
    { url: app.url, apiKey },
  );
  expect(errors).toEqual([]);
  expect(outcome.statuses.at(-1)).toBe('SUCCESS');
  expect(outcome.media).toEqual(['image/png']);
  expect(outcome.me).toMatchObject({ name: 'Browser app', credits: 2 });
});
