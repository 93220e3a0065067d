import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { launchChromium, recordRequests, SCREENSHOTS } from './browser.ts';

let app: TestApp;
let browser: Browser;
let page: Page;
let origin: string;
let customer: { customerId: string; apiKey: string };
/** Every request the page made, subresources, workers and WebSockets included. */
let requested: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  // Trusted documents only for customer keys: GraphiQL on loopback still runs what is typed into it.
  app = await startTestApp({ http: { trustedDocuments: 'require' } });
  origin = new URL(app.url).origin;
  customer = await app.createCustomer(7, 'Browser customer');
  const context = await browser.newContext();
  requested = recordRequests(context);
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/** Replaces the text of the Monaco editor inside `container` (insertText: no auto-closed brackets). */
async function setEditor(container: string, text: string): Promise<void> {
  const editor = page.locator(`${container} .monaco-editor`).filter({ visible: true }).first();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function openHeaders(): Promise<void> {
  await page
    .getByRole('tab', { name: 'Headers' })
    .or(page.getByRole('button', { name: 'Headers' }))
    .first()
    .click();
}

describe('GraphiQL in a browser', () => {
  test('loads from the service alone, opened on the examples and the header hint', async () => {
    await page.goto(`${origin}/graphql`);
    await page.locator('.graphiql-query-editor').getByText('workflowProgress').first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.screenshot({ path: `${SCREENSHOTS}/graphiql-loaded.png` });
    await openHeaders();
    await page.getByText('Bearer <your key>').first().waitFor({ state: 'visible', timeout: 10_000 });
  });

  test('runs a query with the key typed into the headers editor', async () => {
    await openHeaders();
    await setEditor('.graphiql-editor-tool', JSON.stringify({ Authorization: `Bearer ${customer.apiKey}` }));
    await setEditor('.graphiql-query-editor', '{ me { name credits } }');
    try {
      // GraphiQL takes an edited header in after a debounce: run again until the answer is the customer's (bounded).
      await expect
        .poll(
          async () => {
            await page.locator('.graphiql-execute-button').click();
            return page.locator('.graphiql-response').textContent();
          },
          { timeout: 30_000, interval: 1000 },
        )
        .toMatch(/"name":\s"Browser\scustomer",\s+"credits":\s7\b/);
    } finally {
      await page.screenshot({ path: `${SCREENSHOTS}/graphiql-query.png` });
    }
  });

  test('runs the workflowProgress subscription over graphql-ws and shows its events', async () => {
    const workflow = await createWorkflowFor(app, customer.customerId, { title: 'Before' });
    await setEditor('.graphiql-query-editor', `subscription { workflowProgress(id: "${workflow.id}") { version workflow { title } } }`);
    await page.locator('.graphiql-execute-button').click();
    // The subscription may not be open yet at the first rename: rename until one shows (bounded by the timeout).
    // Monaco renders spaces as no-break spaces, hence \\s.
    let renames = 0;
    await expect
      .poll(
        async () => {
          renames += 1;
          await app.services.workflows.update({ kind: 'customer', customerId: customer.customerId }, workflow.id, {
            title: `Renamed ${renames}`,
          });
          return page.locator('.graphiql-response').textContent();
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toMatch(/Renamed\s\d+/);
    await page.screenshot({ path: `${SCREENSHOTS}/graphiql-subscription.png` });
    expect(requested.some((url) => url.startsWith('ws://'))).toBe(true);
  });

  test('made no request to any host but the service', () => {
    expect(requested.length).toBeGreaterThan(0);
    const elsewhere = requested.filter((url) => new URL(url.replace(/^ws/, 'http')).origin !== origin);
    expect(elsewhere).toEqual([]);
  });
});
