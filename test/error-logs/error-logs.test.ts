import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LogErrorInput } from '../gql/graphql.ts';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/harness.ts';
import { GetErrorLog, LogError } from './operations.ts';

/** A clock the test moves: the service reads the receive time from it. */
function movableClock(start: string) {
  let now = new Date(start);
  return {
    clock: () => new Date(now),
    set: (iso: string) => {
      now = new Date(iso);
    },
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

async function entryRows(app: TestApp, customerId?: string): Promise<number> {
  const where = customerId ? sql`WHERE customer_id = ${customerId}` : sql``;
  const result = await sql<{ count: string }>`SELECT count(*) AS count FROM error_log_entries ${where}`.execute(app.db);
  return Number(result.rows[0]!.count);
}

async function linesOf(app: TestApp, key: string): Promise<Array<Record<string, unknown>>> {
  const text = (await app.storage.get(key)).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function expectSuccess<T extends { __typename: string }>(result: { data?: { logError: T } | null; errors?: unknown }) {
  expect(result.errors).toBeUndefined();
  const payload = result.data!.logError;
  expect(payload.__typename, JSON.stringify(payload)).toBe('LogErrorSuccess');
  return payload as Extract<T, { __typename: 'LogErrorSuccess' }>;
}

describe('appending', () => {
  const time = movableClock('2024-04-14T23:59:59.999Z');
  let app: TestApp;
  let customer: { customerId: string; apiKey: string };
  beforeAll(async () => {
    app = await startTestApp({ clock: time.clock });
    customer = await app.createCustomer(0);
  });
  afterAll(() => app?.stop());

  test('entries received on either side of Monday 00:00 UTC land in two files', async () => {
    time.set('2024-04-14T23:59:59.999Z');
    const sunday = expectSuccess(await app.gql(LogError, { input: { message: 'late on Sunday' } }, { key: customer.apiKey }));
    time.set('2024-04-15T00:00:00.000Z');
    const monday = expectSuccess(await app.gql(LogError, { input: { message: 'early on Monday' } }, { key: customer.apiKey }));

    const prefix = `customer-error-logs/${customer.customerId}/`;
    expect(sunday).toEqual({
      __typename: 'LogErrorSuccess',
      message: 'Error logged successfully',
      logPath: `${prefix}errors-2024-W15.log`,
    });
    expect(monday.logPath).toBe(`${prefix}errors-2024-W16.log`);
    expect((await app.listObjects(prefix)).sort()).toEqual([sunday.logPath, monday.logPath]);
    expect(await linesOf(app, sunday.logPath)).toMatchObject([{ message: 'late on Sunday', receivedAt: '2024-04-14T23:59:59.999Z' }]);
    expect(await linesOf(app, monday.logPath)).toMatchObject([{ message: 'early on Monday', receivedAt: '2024-04-15T00:00:00.000Z' }]);

    const w15 = await app.gql(GetErrorLog, { week: '2024-W15' }, { key: customer.apiKey });
    expect(w15.data?.errorLog).toMatchObject({ logPath: sunday.logPath, week: '2024-W15', entries: 1 });
    // Omitted: the week the clock is in.
    const current = await app.gql(GetErrorLog, {}, { key: customer.apiKey });
    expect(current.data?.errorLog).toMatchObject({ logPath: monday.logPath, week: '2024-W16', entries: 1 });
    const empty = await app.gql(GetErrorLog, { week: '2024-W14' }, { key: customer.apiKey });
    expect(empty.errors).toBeUndefined();
    expect(empty.data?.errorLog).toBeNull();
  });

  test('the ISO week-numbering year names the file, not the calendar year', async () => {
    time.set('2024-12-30T00:00:00.000Z');
    const result = expectSuccess(await app.gql(LogError, { input: { message: 'a Monday in 2024' } }, { key: customer.apiKey }));
    expect(result.logPath).toBe(`customer-error-logs/${customer.customerId}/errors-2025-W01.log`);
    time.set('2021-01-03T22:00:00.000Z');
    const w53 = expectSuccess(await app.gql(LogError, { input: { message: 'a Sunday in 2021' } }, { key: customer.apiKey }));
    expect(w53.logPath).toBe(`customer-error-logs/${customer.customerId}/errors-2020-W53.log`);
    expect((await app.gql(GetErrorLog, { week: '2020-W53' }, { key: customer.apiKey })).data?.errorLog?.entries).toBe(1);
  });

  test('a line holds every field, on one line, in the order received', async () => {
    time.set('2024-05-01T10:00:00.000Z');
    const input = {
      message: 'TypeError: x is undefined\n  second line',
      script: 'https://example.com/app.js',
      stack: 'TypeError: x is undefined\n    at f (app.js:1:2)\n    at g (app.js:3:4)',
      level: 'WARN',
      context: { userId: 42, tags: ['a', 'b'], nested: { ok: true } },
      occurredAt: '2024-05-01T09:59:58.500Z',
    };
    const first = expectSuccess(await app.gql(LogError, { input }, { key: customer.apiKey }));
    time.advance(1);
    expectSuccess(await app.gql(LogError, { input: { message: 'bare' } }, { key: customer.apiKey }));

    const text = (await app.storage.get(first.logPath)).toString('utf8');
    expect(text.split('\n')).toHaveLength(3);
    const [full, bare] = await linesOf(app, first.logPath);
    expect(Object.keys(full!)).toEqual(['receivedAt', 'occurredAt', 'level', 'script', 'message', 'stack', 'context']);
    expect(full).toEqual({
      receivedAt: '2024-05-01T10:00:00.000Z',
      occurredAt: input.occurredAt,
      level: 'warn',
      script: input.script,
      message: input.message,
      stack: input.stack,
      context: input.context,
    });
    expect(bare).toEqual({
      receivedAt: '2024-05-01T10:00:00.001Z',
      occurredAt: null,
      level: 'error',
      script: null,
      message: 'bare',
      stack: null,
      context: null,
    });
  });

  test('the signed URL serves the file', async () => {
    time.set('2024-05-01T12:00:00.000Z');
    const result = await app.gql(GetErrorLog, { week: '2024-W18', expiresIn: 60 }, { key: customer.apiKey });
    const log = result.data!.errorLog!;
    expect(log.entries).toBe(2);
    const response = await fetch(log.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe((await app.storage.get(log.logPath)).toString('utf8'));

    for (const expiresIn of [0, 604_801]) {
      const bad = await app.gql(GetErrorLog, { week: '2024-W18', expiresIn }, { key: customer.apiKey });
      expect(bad.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    }
  });

  test('the next append rewrites a file left stale from the rows', async () => {
    time.set('2024-06-03T08:00:00.000Z');
    const first = expectSuccess(await app.gql(LogError, { input: { message: 'one' } }, { key: customer.apiKey }));
    expectSuccess(await app.gql(LogError, { input: { message: 'two' } }, { key: customer.apiKey }));
    // As if a write had been lost, or the object was replaced behind our back.
    await app.storage.put(first.logPath, '{"message":"stale"}\n', 'text/plain');
    expectSuccess(await app.gql(LogError, { input: { message: 'three' } }, { key: customer.apiKey }));
    expect((await linesOf(app, first.logPath)).map((line) => line['message'])).toEqual(['one', 'two', 'three']);
  });

  test('with the object gone (a lifecycle rule expired it) the week has no log', async () => {
    time.set('2024-07-01T08:00:00.000Z');
    const logged = expectSuccess(await app.gql(LogError, { input: { message: 'soon expired' } }, { key: customer.apiKey }));
    await app.storage.delete(logged.logPath);
    const result = await app.gql(GetErrorLog, { week: '2024-W27' }, { key: customer.apiKey });
    expect(result.errors).toBeUndefined();
    expect(result.data?.errorLog).toBeNull();
  });

  test('the admin key logs for the customer it names, and reads that log', async () => {
    time.set('2024-08-05T08:00:00.000Z');
    const result = expectSuccess(
      await app.gql(LogError, { input: { message: 'from ops', customerId: customer.customerId.toUpperCase() } }, { key: ADMIN_KEY }),
    );
    expect(result.logPath).toBe(`customer-error-logs/${customer.customerId}/errors-2024-W32.log`);
    const read = await app.gql(GetErrorLog, { customerId: customer.customerId }, { key: ADMIN_KEY });
    expect(read.data?.errorLog).toMatchObject({ logPath: result.logPath, entries: 1 });

    const withoutCustomer = await app.gql(GetErrorLog, {}, { key: ADMIN_KEY });
    expect(withoutCustomer.data?.errorLog ?? null).toBeNull();
    expect(withoutCustomer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: [{ field: 'customerId' }] });
  });
});

describe('bad inputs', () => {
  let app: TestApp;
  let customer: { customerId: string; apiKey: string };
  let other: { customerId: string; apiKey: string };
  beforeAll(async () => {
    app = await startTestApp({ clock: () => new Date('2024-04-10T12:00:00.000Z') });
    customer = await app.createCustomer(0, 'Alpha');
    other = await app.createCustomer(0, 'Beta');
  });
  afterAll(() => app?.stop());

  test('each gives its typed error and writes nothing', async () => {
    const cases: Array<{ input: LogErrorInput; key?: string; type: string; fields?: string[] }> = [
      { input: { message: '' }, type: 'BadRequestError' },
      { input: { message: '  \n\t ' }, type: 'BadRequestError' },
      { input: { message: 'x'.repeat(10_001) }, type: 'ValidationError', fields: ['input.message'] },
      { input: { message: 'm', stack: 's'.repeat(50_001) }, type: 'ValidationError', fields: ['input.stack'] },
      { input: { message: 'm', level: 'verbose' }, type: 'ValidationError', fields: ['input.level'] },
      { input: { message: 'm', level: '' }, type: 'ValidationError', fields: ['input.level'] },
      { input: { message: 'm', occurredAt: '2024-04-12T12:00:00.001Z' }, type: 'ValidationError', fields: ['input.occurredAt'] },
      { input: { message: 'm', occurredAt: '1969-12-31T23:59:59.000Z' }, type: 'ValidationError', fields: ['input.occurredAt'] },
      {
        input: { message: 'x'.repeat(10_001), level: 'loud', stack: 's'.repeat(50_001) },
        type: 'ValidationError',
        fields: ['input.message', 'input.stack', 'input.level'],
      },
      { input: { message: 'm', customerId: other.customerId }, type: 'ValidationError', fields: ['input.customerId'] },
      { input: { message: 'm' }, key: ADMIN_KEY, type: 'ValidationError', fields: ['input.customerId'] },
      { input: { message: 'm', customerId: 'not-a-uuid' }, key: ADMIN_KEY, type: 'ValidationError', fields: ['input.customerId'] },
      // Unknown to the admin key: the same NotFoundError (resource "Customer") as createWorkflow gives.
      { input: { message: 'm', customerId: '7f0c1c3e-8a4b-4e0f-9a57-2d1f8c3b6e10' }, key: ADMIN_KEY, type: 'NotFoundError' },
    ];
    for (const { input, key, type, fields } of cases) {
      const result = await app.gql(LogError, { input }, { key: key ?? customer.apiKey });
      const label = JSON.stringify(input).slice(0, 120);
      expect(result.errors, label).toBeUndefined();
      const payload = result.data!.logError;
      expect(payload.__typename, label).toBe(type);
      if (payload.__typename === 'BadRequestError') expect(payload.code).toBe('BAD_REQUEST');
      if (payload.__typename === 'NotFoundError') expect(payload.code).toBe('NOT_FOUND');
      if (payload.__typename === 'ValidationError') {
        expect(payload.code).toBe('VALIDATION_ERROR');
        expect(payload.fieldErrors.map((e) => e.field).sort(), label).toEqual([...fields!].sort());
      }
    }

    // Not a DateTime at all: the scalar rejects the variable before any resolver runs.
    const notADate = await app.gql(LogError, { input: { message: 'm', occurredAt: 'yesterday' } }, { key: customer.apiKey });
    expect(notADate.data ?? null).toBeNull();
    expect(notADate.status).toBe(400);
    expect(notADate.errors?.[0]?.message).toMatch(/input\.occurredAt.*RFC 3339/);

    const anonymous = await app.gql(LogError, { input: { message: 'm' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');

    expect(await entryRows(app)).toBe(0);
    expect(await app.listObjects('customer-error-logs/')).toEqual([]);
  });

  test('limits are inclusive', async () => {
    const result = await app.gql(
      LogError,
      { input: { message: 'x'.repeat(10_000), stack: 's'.repeat(50_000), level: 'fatal', occurredAt: '2024-04-11T12:00:00.000Z' } },
      { key: other.apiKey },
    );
    expect(result.data?.logError.__typename).toBe('LogErrorSuccess');
    expect(await entryRows(app, other.customerId)).toBe(1);
  });

  test('a week that does not exist is BAD_USER_INPUT', async () => {
    for (const week of ['2021-W53', '2024-W00', '2024-W54', '2024-15', 'last week']) {
      const result = await app.gql(GetErrorLog, { week }, { key: customer.apiKey });
      expect(result.data?.errorLog ?? null, week).toBeNull();
      expect(result.errors?.[0]?.extensions, week).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: [{ field: 'week' }] });
    }
  });
});

describe('reading', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ clock: () => new Date('2024-04-10T12:00:00.000Z') });
  });
  afterAll(() => app?.stop());

  test("a customer cannot read another customer's log", async () => {
    const alpha = await app.createCustomer(0, 'Alpha');
    const beta = await app.createCustomer(0, 'Beta');
    expectSuccess(await app.gql(LogError, { input: { message: 'alpha only' } }, { key: alpha.apiKey }));
    expect((await app.gql(GetErrorLog, {}, { key: alpha.apiKey })).data?.errorLog?.entries).toBe(1);

    // Beta's own log of the same week: there is none, whatever Alpha logged.
    const own = await app.gql(GetErrorLog, {}, { key: beta.apiKey });
    expect(own.errors).toBeUndefined();
    expect(own.data?.errorLog).toBeNull();
    for (const week of [undefined, '2024-W15']) {
      const named = await app.gql(GetErrorLog, { week, customerId: alpha.customerId }, { key: beta.apiKey });
      expect(named.data?.errorLog ?? null).toBeNull();
      expect(named.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: [{ field: 'customerId' }] });
      expect(JSON.stringify(named)).not.toContain('customer-error-logs');
    }
    const anonymous = await app.gql(GetErrorLog, {}, {});
    expect(anonymous.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });
});

describe('limits', () => {
  test('calls past the rate of a key are RATE_LIMITED, per key, until time passes', async () => {
    const time = movableClock('2024-04-10T12:00:00.000Z');
    const app = await startTestApp({ clock: time.clock, limits: { errorLogRatePerSecond: 3 } });
    try {
      const alpha = await app.createCustomer(0, 'Alpha');
      const beta = await app.createCustomer(0, 'Beta');
      const send = (key: string, message: string) => app.gql(LogError, { input: { message } }, { key });
      for (const n of [1, 2, 3]) expectSuccess(await send(alpha.apiKey, `ok ${n}`));
      const limited = await send(alpha.apiKey, 'one too many');
      expect(limited.status).toBe(429);
      expect(limited.data ?? null).toBeNull();
      expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
      // Another key has its own budget.
      expectSuccess(await send(beta.apiKey, 'beta is fine'));
      time.advance(1000);
      expectSuccess(await send(alpha.apiKey, 'after a second'));

      expect(await entryRows(app, alpha.customerId)).toBe(4);
      const [path] = await app.listObjects(`customer-error-logs/${alpha.customerId}/`);
      expect((await linesOf(app, path!)).map((line) => line['message'])).toEqual(['ok 1', 'ok 2', 'ok 3', 'after a second']);
    } finally {
      await app.stop();
    }
  });

  test('a full week refuses entries with a BadRequestError until the next week', async () => {
    const time = movableClock('2024-04-10T12:00:00.000Z');
    const message = (i: number) => `entry ${String(i).padStart(3, '0')} ${'x'.repeat(200)}`;
    const lineBytes = Buffer.byteLength(
      `${JSON.stringify({ receivedAt: time.clock().toISOString(), occurredAt: null, level: 'error', script: null, message: message(0), stack: null, context: null })}\n`,
    );
    const maxBytes = 5 * lineBytes + 10;
    const app = await startTestApp({ clock: time.clock, limits: { errorLogMaxFileBytes: maxBytes } });
    try {
      const customer = await app.createCustomer(0);
      // Concurrent: the ones in one batch that do not fit are refused, the rest written.
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => app.gql(LogError, { input: { message: message(i) } }, { key: customer.apiKey })),
      );
      const types = results.map((r) => r.data?.logError.__typename);
      expect(types.filter((t) => t === 'LogErrorSuccess')).toHaveLength(5);
      expect(types.filter((t) => t === 'BadRequestError')).toHaveLength(15);
      const refused = results.find((r) => r.data?.logError.__typename === 'BadRequestError')!.data!.logError;
      expect(refused).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/full/) });

      const path = `customer-error-logs/${customer.customerId}/errors-2024-W15.log`;
      const file = await app.storage.get(path);
      expect(file.length).toBe(5 * lineBytes);
      const written = (await linesOf(app, path)).map((line) => line['message']);
      const accepted = results.flatMap((r, i) => (r.data?.logError.__typename === 'LogErrorSuccess' ? [message(i)] : []));
      expect([...written].sort()).toEqual([...accepted].sort());
      expect(await entryRows(app)).toBe(5);

      const later = await app.gql(LogError, { input: { message: 'still full' } }, { key: customer.apiKey });
      expect(later.data?.logError.__typename).toBe('BadRequestError');

      time.set('2024-04-15T00:00:00.000Z');
      const nextWeek = expectSuccess(await app.gql(LogError, { input: { message: 'a new week' } }, { key: customer.apiKey }));
      expect(nextWeek.logPath).toBe(`customer-error-logs/${customer.customerId}/errors-2024-W16.log`);
    } finally {
      await app.stop();
    }
  });
});
