import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually, type RoleProcess, spawnApiProcess } from '../helpers/processes.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { type Subscription, subscribeWs, wsClient } from '../subscriptions/clients.ts';

// MAX_SUBSCRIPTIONS_PER_KEY holds for a customer across API processes: the subscriptions it holds
// on one count on the other. No worker runs, so every stream stays open on its QUEUED workflow.
let app: TestApp;
let other: RoleProcess & { port: number };
const clients: Array<ReturnType<typeof wsClient>> = [];

beforeAll(async () => {
  app = await startTestApp({ limits: { maxSubscriptionsPerKey: 2 } });
  other = await spawnApiProcess({ ...app.serviceEnv, MAX_SUBSCRIPTIONS_PER_KEY: '2' });
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await other?.stop();
  await app?.stop();
});

async function openCount(customerId: string): Promise<number> {
  const { rows } = await sql<{ open: string }>`
    SELECT coalesce(sum(count), 0) AS open FROM subscription_counts WHERE key = ${`customer:${customerId}`}`.execute(app.db);
  return Number(rows[0]!.open);
}

test("a customer's two subscriptions on one API process use up its budget on the other too, until one ends", async () => {
  const { customerId, apiKey } = await app.createCustomer(10);
  const workflow = await createWorkflowFor(app, customerId);
  const onOther = wsClient(`http://127.0.0.1:${other.port}/graphql`, apiKey);
  const here = wsClient(app.url, apiKey);
  clients.push(onOther, here);
  const held: Subscription[] = [subscribeWs(onOther, { id: workflow.id }), subscribeWs(onOther, { id: workflow.id })];
  await Promise.all(held.map((s) => s.received(1)));
  await eventually('the other process recorded its two', async () => ((await openCount(customerId)) === 2 ? true : undefined));

  const refused = subscribeWs(here, { id: workflow.id });
  const outcome = await refused.ended;
  expect(outcome.errors[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });

  held[0]!.close();
  await eventually('the other process recorded the end of one', async () => ((await openCount(customerId)) === 1 ? true : undefined));
  const admitted = subscribeWs(here, { id: workflow.id });
  await admitted.received(1);
  expect(admitted.events[0]?.workflowId).toBe(workflow.id);
  admitted.close();
  held[1]!.close();
});
