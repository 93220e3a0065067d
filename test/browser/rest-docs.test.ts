import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { launchChromium, offLoopback, recordRequests, SCREENSHOTS } from './browser.ts';

let app: TestApp;
let browser: Browser;
let page: Page;
let origin: string;
/** Every request the page made, subresources included. */
let requested: string[] = [];
/** What the page's Content-Security-Policy refused, or what its scripts threw. */
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  app = await startTestApp();
  origin = new URL(app.url).origin;
  const context = await browser.newContext();
  requested = recordRequests(context);
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('/v1/docs in a browser', () => {
  test('renders the OpenAPI document of every route, with nothing from another host', async () => {
    const response = await page.goto(`${origin}/v1/docs`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    for (const operation of ['/v1/workflows', '/v1/workflows/{id}', '/v1/error-logs']) {
      await page
        .locator('.opblock-summary-path')
        .filter({ hasText: new RegExp(`^${operation.replace(/[{}]/g, '\\$&')}$`) })
        .first()
        .waitFor({
          state: 'visible',
          timeout: 30_000,
        });
    }
    await page.getByText('Framewright REST API').first().waitFor({ state: 'visible' });
    await page
      .locator('.opblock-summary-path')
      .filter({ hasText: /^\/v1\/error-logs$/ })
      .first()
      .click();
    await page.getByText("Appends one line to this ISO week's log file").first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.screenshot({ path: `${SCREENSHOTS}/rest-docs.png`, fullPage: true });
    expect(requested).toContain(`${origin}/v1/openapi.json`);
    expect(offLoopback(requested)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
