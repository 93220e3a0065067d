import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { rest } from './rest-client.ts';

// The services' per-key limits hold for the REST door: a 429 with Retry-After. The clock stands
// still, so the bucket never refills during the test.

let app: TestApp;
beforeAll(async () => {
  const now = new Date('2026-01-05T10:00:00.000Z');
  app = await startTestApp({ clock: () => new Date(now), limits: { errorLogRatePerSecond: 2 } });
});
afterAll(() => app?.stop());

test('POST /v1/error-logs past the per-key rate: 429 rate_limited with Retry-After', async () => {
  const { apiKey, customerId } = await app.createCustomer(0);
  for (const message of ['one', 'two']) {
    const logged = await rest(app, 'POST', '/v1/error-logs', { key: apiKey, json: { message } });
    expect(logged.status).toBe(201);
    expect(logged.body.data.log_path).toBe(`customer-error-logs/${customerId}/errors-2026-W02.log`);
  }
  const limited = await rest(app, 'POST', '/v1/error-logs', { key: apiKey, json: { message: 'three' } });
  expect(limited.status).toBe(429);
  expect(limited.body.error.code).toBe('rate_limited');
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
});
