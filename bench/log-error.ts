// logError: calls/s with 50 concurrent clients on one customer (one weekly file), then on 50
// customers (50 files), each customer's week already holding a 5 MB file.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { formatIsoWeek, isoWeekOf } from '../src/modules/error-logs/iso-week.ts';
import { type BenchRow, row } from './lib/bench-row.ts';
import { createCustomer, gql } from './lib/client.ts';
import type { BenchContext } from './lib/context.ts';
import { ROOT, runForResult } from './lib/processes.ts';
import { startApi } from './lib/services.ts';

const CLIENTS = 50;
const FILE_BYTES = 5 * 1024 * 1024;
const LINE_BYTES = 1024;

const LOG_ERROR = `mutation($input: LogErrorInput!) { logError(input: $input) {
  __typename ... on LogErrorSuccess { logPath } ... on Error { code message } } }`;

interface ClientsResult {
  callsPerSecond: number;
  p50: number;
  p99: number;
  calls: number;
  failures: number;
  firstFailure?: string;
}

/** Entries of this week totalling 5 MB: the rows are the log's source of truth; the first call after writes the file. */
async function prefill(databaseUrl: string, customerIds: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // The bench stops the database at the end, maybe before this client: that is no crash.
  client.on('error', () => {});
  await client.connect();
  const week = formatIsoWeek(isoWeekOf(new Date()));
  const line = JSON.stringify({
    receivedAt: new Date().toISOString(),
    occurredAt: null,
    level: 'error',
    script: 'bench',
    message: 'x'.repeat(LINE_BYTES - 130),
    stack: null,
    context: null,
  });
  await client.query(
    `INSERT INTO error_log_entries (customer_id, week, line)
     SELECT c, $2, $3 FROM unnest($1::uuid[]) AS c, generate_series(1, $4)`,
    [customerIds, week, line, Math.ceil(FILE_BYTES / (line.length + 1))],
  );
  await client.end();
}

async function clients(url: string, keys: string[], seconds: number): Promise<ClientsResult> {
  const input = {
    message: 'TypeError: x is undefined',
    level: 'error',
    script: 'app.js',
    stack: 'at main (app.js:1:1)',
    context: { page: '/' },
  };
  const spec = { url, keys, clients: CLIENTS, seconds, query: LOG_ERROR, variables: { input } };
  const result = await runForResult<ClientsResult>('log-error-clients', [
    path.join(ROOT, 'bench', 'load', 'graphql-clients.ts'),
    JSON.stringify(spec),
  ]);
  if (result.failures > 0) throw new Error(`logError: ${result.failures} failed calls, first: ${result.firstFailure}`);
  return result;
}

export async function runLogError(context: BenchContext): Promise<BenchRow[]> {
  // A 5 MB file plus the bench's appends would pass the default 5 MiB cap, and the calls would be refused as a full log.
  const api = await startApi(context.stack, 'logerror-api', { ERROR_LOG_MAX_FILE_BYTES: String(256 * 1024 * 1024) });
  const customers = [];
  for (let i = 0; i < CLIENTS; i++) customers.push(await createCustomer(api.url, context.stack.adminKey, `Log bench ${i}`, 0));
  await prefill(
    context.stack.databaseUrl,
    customers.map((customer) => customer.id),
  );
  context.log(`logError: writing the 5 MB files of ${customers.length} customers`);
  for (const customer of customers) {
    await gql(api.url, customer.apiKey, LOG_ERROR, { input: { message: `warm-up ${randomUUID()}` } });
  }
  context.log(`logError: ${CLIENTS} clients on one customer`);
  const one = await clients(api.url, [customers[0]!.apiKey], context.loadSeconds);
  context.log(`logError: ${CLIENTS} clients on ${CLIENTS} customers`);
  const many = await clients(
    api.url,
    customers.map((customer) => customer.apiKey),
    context.loadSeconds,
  );
  await api.child.stop();
  const oneName = `${CLIENTS} clients, 1 customer`;
  return [
    row(`logError: ${oneName} (5 MB file): calls/s`, one.callsPerSecond, 'calls/s'),
    row(`logError: ${oneName}: p50`, one.p50, 'ms'),
    row(`logError: ${oneName}: p99`, one.p99, 'ms'),
    row(`logError: ${CLIENTS} clients, ${CLIENTS} customers (5 MB files): calls/s`, many.callsPerSecond, 'calls/s', {
      name: oneName,
      value: one.callsPerSecond,
    }),
    row(`logError: ${CLIENTS} clients, ${CLIENTS} customers: p50`, many.p50, 'ms'),
    row(`logError: ${CLIENTS} clients, ${CLIENTS} customers: p99`, many.p99, 'ms'),
  ];
}
