import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';

// Reads must not cost a query per workflow (N+1): the nested completions and media of a page
// are fetched once for the whole page, whatever its size.

const OneWorkflow = graphql(`
  query OneWorkflowWithEverything($id: ID!) {
    workflow(id: $id) {
      ...EverythingOfAWorkflow
    }
  }
`);

const Page = graphql(`
  query PageWithEverything($first: Int) {
    workflows(first: $first) {
      edges {
        node {
          ...EverythingOfAWorkflow
        }
      }
    }
  }
`);

let app: TestApp;
let customer: { customerId: string; apiKey: string };
let firstId: string;

beforeAll(async () => {
  app = await startTestApp();
  customer = await app.createCustomer(100);
  for (let i = 0; i < 50; i += 1) {
    const created = await createWorkflowFor(app, customer.customerId, { options: { pipelineMode: 'IMAGE' } });
    firstId ??= created.id;
  }
});

afterAll(async () => {
  await app.stop();
});

describe('SQL statements per read', () => {
  test('workflow(id) with completions, media and a signed URL: the key, the workflow, its completions, its media', async () => {
    const queries = await app.queriesDuring(async () => {
      const response = await app.gql(OneWorkflow, { id: firstId }, { key: customer.apiKey });
      expect(response.data?.workflow).toMatchObject({ id: firstId });
    });
    expect(queries).toHaveLength(4);
  });

  test('workflows(first: 50) costs what workflows(first: 5) does', async () => {
    const counts: number[] = [];
    for (const first of [5, 50]) {
      const queries = await app.queriesDuring(async () => {
        const response = await app.gql(Page, { first }, { key: customer.apiKey });
        expect(response.data?.workflows.edges).toHaveLength(first);
      });
      counts.push(queries.length);
    }
    expect(counts).toEqual([4, 4]);
  });
});
