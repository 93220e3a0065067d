import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { firstAnswer, openRawSocket } from './raw-clients.ts';

const MAX_MESSAGE = 16 * 1024;
let app: TestApp;
let key: { authorization: string };
let workflowId: string;

beforeAll(async () => {
  app = await startTestApp({ limits: { maxWebSocketMessageBytes: MAX_MESSAGE } });
  const customer = await app.createCustomer(10);
  key = { authorization: `Bearer ${customer.apiKey}` };
  workflowId = (await createWorkflowFor(app, customer.customerId)).id;
});
afterAll(() => app?.stop());

const progress = () => ({
  query: 'subscription($id: ID!) { workflowProgress(id: $id) { version processingStatus } }',
  variables: { id: workflowId },
});

describe('one bad operation on a graphql-ws socket', () => {
  test.each([
    ['a syntax error', '{ models { id '],
    ['a 2,000-level nested literal', `{ workflow(id: ${'['.repeat(2000)}"x"${']'.repeat(2000)}) { __typename } }`],
    ['an unknown field', '{ nothingHere }'],
  ])('%s is an error for that operation; the socket and its open subscription go on', async (_name, query) => {
    const socket = await openRawSocket(app.url, key);
    try {
      const live = await firstAnswer(socket, 'live', progress());
      expect(live.type).toBe('next');
      const bad = await firstAnswer(socket, 'bad', { query });
      expect(bad.type).toBe('error');
      const errors = bad.payload as Array<{ message: string; extensions?: Record<string, unknown> }>;
      expect(errors[0]?.extensions?.['code']).toMatch(/GRAPHQL_PARSE_FAILED|QUERY_LIMIT_EXCEEDED|GRAPHQL_VALIDATION_FAILED/);
      expect(errors[0]?.message.length).toBeLessThan(500);
      // The socket still serves: a new operation is answered, and the first subscription is still live.
      const after = await firstAnswer(socket, 'after', { query: '{ models { id } }' });
      expect(after.type).toBe('next');
      expect(socket.isOpen()).toBe(true);
      await app.services.workflows.update({ kind: 'admin' }, workflowId, { title: `changed ${Date.now()}` });
      const event = await socket.next((m) => m.id === 'live' && m.type === 'next');
      expect(event.type).toBe('next');
    } finally {
      socket.close();
    }
  });
});

describe('WebSocket message size', () => {
  test('a message over MAX_WEBSOCKET_MESSAGE_BYTES closes that socket with 1009; another socket is served', async () => {
    const [big, other] = await Promise.all([openRawSocket(app.url, key), openRawSocket(app.url, key)]);
    try {
      big.send({ type: 'subscribe', id: 'big', payload: { query: `{ models { id } } #${'x'.repeat(MAX_MESSAGE * 2)}` } });
      expect((await big.closed).code).toBe(1009);
      const answer = await firstAnswer(other, 'ok', { query: '{ models { id } }' });
      expect(answer.type).toBe('next');
    } finally {
      other.close();
    }
  });

  test("the default is 1 MiB, not ws's 100 MiB", async () => {
    const { limits } = await import('../../src/config.ts');
    expect(limits.maxWebSocketMessageBytes).toBe(1024 * 1024);
  });
});
