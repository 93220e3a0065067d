import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { Me, Models } from '../operations.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.stop());

test('models are public and me needs a key', async () => {
  const models = await app.gql(Models, {});
  expect(models.data?.models.map((m) => m.id)).toContain('vim_new_year_2026');
  const me = await app.gql(Me, {});
  expect(me.status).toBe(401);
  expect(me.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
});
