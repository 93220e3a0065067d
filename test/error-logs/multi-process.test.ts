import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ADMIN_KEY, type GraphQLResponse, startTestApp, type TestApp } from '../helpers/harness.ts';
import { type RoleProcess, spawnApiProcess } from '../helpers/processes.ts';
import { CreateCustomer } from '../operations.ts';
import { GetErrorLog, LogError } from './operations.ts';

const CALLS = 250;

let app: TestApp;
let dataDir: string;
let apis: Array<RoleProcess & { port: number }> = [];

beforeAll(async () => {
  // The app gives a cloned database and a bucket; the two API processes under test share them.
  app = await startTestApp();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'framewright-api-'));
  const env = {
    ...app.serviceEnv,
    DATA_DIR: dataDir,
    // The test is about lost lines, not the rate limit: 125 calls a process in a burst would pass 100.
    ERROR_LOG_RATE_PER_SECOND: '100000',
  };
  apis = await Promise.all([spawnApiProcess(env), spawnApiProcess(env)]);
});

afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop()));
  await app?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function gqlAt<R, V>(port: number, document: TypedDocumentNode<R, V>, variables: V, key: string): Promise<GraphQLResponse<R>> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return { ...((await response.json()) as GraphQLResponse<R>), status: response.status };
}

test(`${CALLS} concurrent logError calls across 2 API processes each add exactly one line`, async () => {
  expect(apis[0]!.port).not.toBe(apis[1]!.port);
  const created = await gqlAt(apis[0]!.port, CreateCustomer, { input: { name: 'Busy customer' } }, ADMIN_KEY);
  const { apiKey, customer } = created.data!.createCustomer;

  const messages = Array.from({ length: CALLS }, (_, i) => `error #${i} ${randomBytes(4).toString('hex')}`);
  const results = await Promise.all(
    messages.map((message, i) => gqlAt(apis[i % 2]!.port, LogError, { input: { message, level: 'warn', context: { i } } }, apiKey)),
  );
  for (const result of results) {
    expect(result.errors).toBeUndefined();
    expect(result.data?.logError).toMatchObject({ __typename: 'LogErrorSuccess', message: 'Error logged successfully' });
  }

  // One file unless the run crossed Monday 00:00 UTC; either way every line is in one of them.
  const paths = [...new Set(results.map((r) => (r.data!.logError as { logPath: string }).logPath))];
  const written: string[] = [];
  for (const logPath of paths) {
    expect(logPath).toMatch(new RegExp(`^customer-error-logs/${customer.id}/errors-\\d{4}-W\\d{2}\\.log$`));
    const text = (await app.storage.get(logPath)).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toMatchObject({ level: 'warn', script: null, stack: null });
      expect(entry['context']).toEqual({ i: messages.indexOf(entry['message'] as string) });
      written.push(entry['message'] as string);
    }
    const week = /errors-(\d{4}-W\d{2})\.log$/.exec(logPath)![1]!;
    for (const api of apis) {
      const log = await gqlAt(api.port, GetErrorLog, { week }, apiKey);
      expect(log.data?.errorLog).toMatchObject({ logPath, week, entries: lines.length });
    }
  }
  expect(written).toHaveLength(CALLS);
  expect([...written].sort()).toEqual([...messages].sort());

  const { rows } = await sql<{ count: string }>`SELECT count(*) AS count FROM error_log_entries`.execute(app.db);
  expect(Number(rows[0]!.count)).toBe(CALLS);
});

test('after every round of simultaneous calls on both processes, the file holds every line so far', async () => {
  // The burst above mostly heals itself (each batch rewrites the file from all rows); here each
  // round ends with the two processes writing at once, which loses a line without the file lock.
  const created = await gqlAt(apis[0]!.port, CreateCustomer, { input: { name: 'Two at a time' } }, ADMIN_KEY);
  const { apiKey } = created.data!.createCustomer;
  // Per file: a round that crosses Monday 00:00 UTC starts a new one.
  const sentTo = new Map<string, string[]>();
  for (let round = 0; round < 30; round++) {
    const messages = apis.map((_, i) => `round ${round} process ${i}`);
    const results = await Promise.all(apis.map((api, i) => gqlAt(api.port, LogError, { input: { message: messages[i]! } }, apiKey)));
    results.forEach((result, i) => {
      expect(result.data?.logError.__typename).toBe('LogErrorSuccess');
      const { logPath } = result.data!.logError as { logPath: string };
      sentTo.set(logPath, [...(sentTo.get(logPath) ?? []), messages[i]!]);
    });
    for (const [logPath, sent] of sentTo) {
      const text = (await app.storage.get(logPath)).toString('utf8');
      const written = text
        .slice(0, -1)
        .split('\n')
        .map((line) => (JSON.parse(line) as { message: string }).message);
      expect(written.sort(), `round ${round}`).toEqual([...sent].sort());
    }
  }
});
