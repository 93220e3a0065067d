import http from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { launchChromium, offLoopback, recordRequests, SCREENSHOTS, startTcpProxy, type TcpProxy } from './browser.ts';

const IMAGE_FLOWS = ['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA'];

let app: TestApp;
let browser: Browser;
let page: Page;
let origin: string;
let proxy: TcpProxy;
let customer: { customerId: string; apiKey: string };
let requested: string[] = [];
const pageErrors: string[] = [];
/** Workflow ids created through the page, by pipeline mode. */
const created: Record<string, string> = {};

beforeAll(async () => {
  browser = await launchChromium();
  // No worker yet: each run is seen QUEUED first, then the worker starts and the page follows it live.
  // Trusted documents only: the page sends every operation by its hash.
  app = await startTestApp({ http: { trustedDocuments: 'require' } });
  // The page goes through a relay, so a test can cut its connections.
  proxy = await startTcpProxy(Number(new URL(app.url).port));
  origin = proxy.origin;
  // One IMAGE run (1 credit) and one VIDEO run (5) of vim_new_year_2026, then nothing left.
  customer = await app.createCustomer(6, 'Demo customer');
  const context = await browser.newContext();
  requested = recordRequests(context);
  page = await context.newPage();
  // Script errors, and what the console reports besides refused requests (the bad-key test makes a 401 on purpose).
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await app?.stop();
});

const statusOf = (selector: string) => page.locator(selector).getAttribute('data-status');

/** Picks the file, model, ratio and mode, and presses Create; returns the new workflow's id once the page follows it. */
async function createThroughPage(title: string, pipelineMode: 'IMAGE' | 'VIDEO'): Promise<string> {
  const previous = await page.locator('#run').getAttribute('data-workflow-id');
  await page.setInputFiles('#source', { name: 'subject.png', mimeType: 'image/png', buffer: await pngWithTransparentBorder(160, 96) });
  await page.locator('#title').fill(title);
  await page.locator('#model').selectOption('vim_new_year_2026');
  await page.locator('#aspect-ratio').selectOption('1:1');
  await page.locator('#pipeline-mode').selectOption(pipelineMode);
  await page.getByRole('button', { name: 'Create' }).click();
  await expect.poll(() => page.locator('#run').getAttribute('data-workflow-id'), { timeout: 30_000 }).not.toBe(previous);
  return (await page.locator('#run').getAttribute('data-workflow-id'))!;
}

/** The run panel's flows: [flow, status] in pipeline order. */
function flowRows(): Promise<string[][]> {
  return page.locator('#flows li').evaluateAll((rows) => rows.map((row) => [row.dataset['flow']!, row.dataset['status']!]));
}

/** Flows named by the events that arrived in the page (its event log), in order of arrival. */
function flowsInEvents(): Promise<string[]> {
  return page.locator('#event-log li').evaluateAll((entries) => entries.map((entry) => entry.dataset['flow']!).filter(Boolean));
}

/** Follows a QUEUED run: the page has its first event, the worker starts, the page reaches SUCCESS through live events. */
async function runToSuccess(name: string, flows: string[], lastLive: string[] = [flows.at(-1)!]): Promise<void> {
  await expect.poll(() => statusOf('#run-status'), { timeout: 30_000 }).toBe('QUEUED');
  // The first event (the current state) is in: the stream is open before any flow starts.
  await expect.poll(() => page.locator('#event-count').textContent(), { timeout: 30_000 }).not.toBe('0');
  expect(await flowRows()).toEqual(flows.map((flow) => [flow, 'PENDING']));
  await page.screenshot({ path: `${SCREENSHOTS}/demo-${name}-queued.png`, fullPage: true });
  const worker = app.startWorker();
  try {
    await expect.poll(() => statusOf('#run-status'), { timeout: 240_000, interval: 500 }).toBe('SUCCESS');
  } finally {
    await page.screenshot({ path: `${SCREENSHOTS}/demo-${name}-done.png`, fullPage: true });
    await worker.stop(0);
  }
  expect(await flowRows()).toEqual(flows.map((flow) => [flow, 'SUCCESS']));
  // Live: the events named the flows as they ran, in pipeline order, through the last one. The feed
  // sends the state it reads when it emits, so on a busy machine a flow of a few milliseconds (the
  // gray fill) can start and end between two reads: it may be missing, never out of order.
  const named = [...new Set(await flowsInEvents())];
  expect(named).toEqual(flows.filter((flow) => named.includes(flow)));
  expect(lastLive).toContain(named.at(-1));
  expect(named.length).toBeGreaterThan(1);
  expect(await page.locator('#run-percent').textContent()).toBe('100%');
}

describe('the demo page in a browser', () => {
  test('loads the models without a key; a bad key is refused with its message, a good one used and remembered', async () => {
    await page.goto(`${origin}/demo`);
    await expect
      .poll(() => page.locator('#model option').allTextContents(), { timeout: 30_000 })
      .toEqual(['New Year 2026', 'Aurora portrait']);
    await page.getByRole('textbox', { name: 'Key', exact: true }).fill('fw_not-a-key-of-anyone');
    await page.getByRole('button', { name: 'Use key' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent(), { timeout: 30_000 })
      .toBe('The key was not accepted: The API key is not valid');
    expect(await page.locator('#me').textContent()).toBe('');
    await page.getByRole('textbox', { name: 'Key', exact: true }).fill(customer.apiKey);
    await page.getByRole('button', { name: 'Use key' }).click();
    await expect.poll(() => page.locator('#me').textContent(), { timeout: 30_000 }).toBe('Signed in as Demo customer: 6 credits left.');
    await page.reload();
    expect(await page.getByRole('textbox', { name: 'Key', exact: true }).inputValue()).toBe(customer.apiKey);
    await expect.poll(() => page.locator('#me').textContent(), { timeout: 30_000 }).toBe('Signed in as Demo customer: 6 credits left.');
    await page.screenshot({ path: `${SCREENSHOTS}/demo-key.png`, fullPage: true });
  });

  test('takes an image dropped on the drop zone', async () => {
    const png = (await pngWithTransparentBorder(40, 20)).toString('base64');
    await page.evaluate((base64) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'dropped.png', { type: 'image/png' }));
      const drop = new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true });
      document.getElementById('drop-zone')!.dispatchEvent(drop);
    }, png);
    expect(await page.locator('#source-name').textContent()).toMatch(/^dropped\.png \(1 KB\)/);
    await expect.poll(() => page.locator('#source-preview').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(40);
  });

  test('runs an IMAGE workflow to the end, following each flow live, and shows the image from the bucket', async () => {
    created['IMAGE'] = await createThroughPage('Demo image', 'IMAGE');
    // A stream that drops is opened again: its first event (the current state) follows the note in the log.
    await expect.poll(() => page.locator('#event-count').textContent(), { timeout: 30_000 }).toBe('1');
    proxy.dropConnections();
    await expect.poll(() => page.locator('#event-count').textContent(), { timeout: 30_000 }).toBe('2');
    const log = await page.locator('#event-log li').evaluateAll((entries) => entries.map((entry) => entry.dataset['note'] ?? 'event'));
    expect(log).toEqual(['event', 'true', 'event']);
    expect(await page.locator('#run-error').isHidden()).toBe(true);
    await runToSuccess('image', IMAGE_FLOWS);
    const image = page.locator('#result img');
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 30_000 })
      .toBe(true);
    // The loaded image is the result the API describes (the caption gives its size).
    const size = await image.evaluate((img: HTMLImageElement) => `${img.naturalWidth}×${img.naturalHeight}`);
    expect(await page.locator('#result figcaption').textContent()).toContain(`image/png ${size}`);
    await expect.poll(() => page.locator('#me').textContent(), { timeout: 30_000 }).toBe('Signed in as Demo customer: 5 credits left.');
  }, 300_000);

  // A 6 s MP4 at 1920 px: ffmpeg takes a minute or more on a busy 2-core machine, hence 5 minutes.
  test('runs a VIDEO workflow to the end and the video element loads it', async () => {
    created['VIDEO'] = await createThroughPage('Demo video', 'VIDEO');
    // VIDEO_OVERLAY only stores the MP4 CREATE_MEDIA encoded with the clip: it may pass unseen, as the gray fill may.
    await runToSuccess('video', [...IMAGE_FLOWS, 'VIDEO_OVERLAY'], ['CREATE_MEDIA', 'VIDEO_OVERLAY']);
    const video = page.locator('#result video');
    // HAVE_METADATA: the browser fetched the MP4 from the bucket and read its duration and size.
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    expect(await video.evaluate((v: HTMLVideoElement) => v.duration)).toBeGreaterThan(1);
    await page.screenshot({ path: `${SCREENSHOTS}/demo-video-loaded.png`, fullPage: true });
  }, 300_000);

  test('shows a typed error with its message: no credits left', async () => {
    await page.locator('#pipeline-mode').selectOption('IMAGE');
    await page.getByRole('button', { name: 'Create' }).click();
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.textContent(), { timeout: 30_000 })
      .toBe('INSUFFICIENT_CREDIT: This run costs 1 credit(s); the balance is 0');
    await page.screenshot({ path: `${SCREENSHOTS}/demo-error.png`, fullPage: true });
  });

  test('lists the recent workflows; one picked is shown with its result', async () => {
    const items = page.locator('#recent button');
    await expect
      .poll(() => items.evaluateAll((buttons) => buttons.map((b) => b.dataset['workflowId'])), { timeout: 30_000 })
      .toEqual([created['VIDEO'], created['IMAGE']]);
    await page.locator(`#recent button[data-workflow-id="${created['IMAGE']}"]`).click();
    await expect.poll(() => page.locator('#run').getAttribute('data-workflow-id'), { timeout: 30_000 }).toBe(created['IMAGE']);
    await expect.poll(() => statusOf('#run-status'), { timeout: 30_000 }).toBe('SUCCESS');
    const image = page.locator('#result img');
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 30_000 })
      .toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/demo-recent.png`, fullPage: true });
  });

  test('serves its own files only, each under a policy that keeps the page on this service', async () => {
    const get = (path: string) =>
      new Promise<{ status: number; csp: string | undefined }>((resolve, reject) => {
        // node:http sends the path as written (fetch would resolve the dots away).
        http
          .get(`${origin}${path}`, (res) => {
            res.resume();
            resolve({ status: res.statusCode!, csp: res.headers['content-security-policy'] as string | undefined });
          })
          .on('error', reject);
      });
    const html = await get('/demo');
    expect(html.status).toBe(200);
    expect(html.csp).toContain("default-src 'self'");
    expect((await get('/demo/view.js')).status).toBe(200);
    for (const path of ['/demo/../package.json', '/demo/..%2Fdemo.ts', '/demo/%2e%2e/demo.ts', '/demo/nope.js', '/demo/app.js/']) {
      expect({ path, status: (await get(path)).status }).toEqual({ path, status: 404 });
    }
  });

  test('made no request beyond this machine: the page, its scripts, the API and the bucket only', () => {
    expect(requested.some((url) => url.startsWith(`${origin}/demo/app.js`))).toBe(true);
    expect(requested.some((url) => url.includes(created['IMAGE']!) && !url.startsWith(origin))).toBe(true);
    expect(offLoopback(requested)).toEqual([]);
  });

  test('ran without a script error or a Content-Security-Policy violation', () => {
    expect(pageErrors).toEqual([]);
  });
});
