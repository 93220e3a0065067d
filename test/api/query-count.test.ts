import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  findWorkflowTree,
  listWorkflowTrees,
  pageReadSlots,
  treeReadSlots,
  type WorkflowTree,
} from '../../src/modules/workflows/workflows.repository.ts';
import { graphql } from '../gql/index.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';

// Reads must not cost a query per workflow (N+1): a workflow, or a whole page of them, is read
// with its completions and media in one statement, whatever the page size.

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
  // Each one finished, as a run would leave it: a final image to sign a URL for, besides the source.
  await app.db
    .insertInto('media_files')
    .columns(['workflow_id', 'role', 'key', 'content_type', 'size'])
    .expression((eb) =>
      eb
        .selectFrom('workflows')
        .select((s) => [
          'id',
          s.val('CREATE_MEDIA').as('role'),
          sql<string>`'workflows/' || id || '/create-media/out.png'`.as('key'),
          s.val('image/png').as('content_type'),
          s.val(1000).as('size'),
        ]),
    )
    .execute();
});

/** Everything the fragment asks for came back: completions, their results, mediaResult with a signed URL, source. */
function expectEverything(workflow: { completions: unknown[]; mediaResult: Array<{ url: string }>; source: { key: string } | null }) {
  expect(workflow.completions).toHaveLength(4);
  expect(workflow.completions[3]).toMatchObject({ flow: 'CREATE_MEDIA', result: [{ key: expect.stringContaining('/create-media/') }] });
  expect(workflow.mediaResult).toHaveLength(1);
  expect(new URL(workflow.mediaResult[0]!.url).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  expect(workflow.source?.key).toContain('/source/');
}

afterAll(async () => {
  await app.stop();
});

describe('SQL statements per read', () => {
  test('workflow(id) with completions, media and a signed URL: the key and the workflow tree, then the tree alone', async () => {
    const read = () =>
      app.queriesDuring(async () => {
        const response = await app.gql(OneWorkflow, { id: firstId }, { key: customer.apiKey });
        expect(response.data?.workflow).toMatchObject({ id: firstId });
        expectEverything(response.data!.workflow as Parameters<typeof expectEverything>[0]);
      });
    const first = await read();
    expect(first).toHaveLength(2);
    expect(first[0]).toContain('api_keys');
    expect(first[1]).toMatch(/from "workflows"/);
    // The key is remembered now: no lookup until it expires or is revoked.
    const second = await read();
    expect(second).toHaveLength(1);
    expect(second[0]).toMatch(/from "workflows"/);
  });

  test('workflows(first: 50) costs what workflows(first: 5) does', async () => {
    // Warm: the key lookup is the first request's alone (see above).
    await app.gql(Page, { first: 1 }, { key: customer.apiKey });
    const counts: number[] = [];
    for (const first of [5, 50]) {
      const queries = await app.queriesDuring(async () => {
        const response = await app.gql(Page, { first }, { key: customer.apiKey });
        expect(response.data?.workflows.edges).toHaveLength(first);
        for (const edge of response.data!.workflows.edges) expectEverything(edge.node);
      });
      counts.push(queries.length);
    }
    expect(counts).toEqual([1, 1]);
  });
});

describe('reads asked while every read slot is busy', () => {
  test('go out together, one statement for all their ids, each answered with its own tree', async () => {
    const ids = (await app.db.selectFrom('workflows').select('id').where('customer_id', '=', customer.customerId).limit(30).execute()).map(
      (row) => row.id,
    );
    const missing = '00000000-0000-4000-8000-000000000000';
    let trees: Array<WorkflowTree | undefined> = [];
    const queries = await app.queriesDuring(async () => {
      trees = await Promise.all([...ids, missing, ids[0]!].map((id) => findWorkflowTree(app.db, id)));
    });
    // As many as there are slots go out at once, alone; those asked for meanwhile share the next statement.
    expect(treeReadSlots(app.db)).toBeLessThan(20);
    expect(queries).toHaveLength(treeReadSlots(app.db) + 1);
    expect(trees.slice(0, ids.length).map((tree) => tree?.workflow.id)).toEqual(ids);
    for (const tree of trees.slice(0, ids.length)) expect(tree?.completions).toHaveLength(4);
    expect(trees[ids.length]).toBeUndefined();
    expect(trees[ids.length + 1]?.workflow.id).toBe(ids[0]);
  });

  test('never answer with what was read before they were asked for', async () => {
    const [id] = (await app.db.selectFrom('workflows').select('id').where('customer_id', '=', customer.customerId).limit(1).execute()).map(
      (row) => row.id,
    );
    const before = Promise.all(Array.from({ length: treeReadSlots(app.db) }, () => findWorkflowTree(app.db, id!)));
    await app.db.updateTable('workflows').set({ title: 'Renamed while reads were in flight' }).where('id', '=', id!).execute();
    const after = await findWorkflowTree(app.db, id!);
    expect(after?.workflow.title).toBe('Renamed while reads were in flight');
    await before;
  });

  test('the same page asked for meanwhile shares one statement', async () => {
    const query = { customerId: customer.customerId, limit: 6 };
    let pages: WorkflowTree[][] = [];
    const queries = await app.queriesDuring(async () => {
      pages = await Promise.all(Array.from({ length: pageReadSlots(app.db) + 10 }, () => listWorkflowTrees(app.db, { ...query })));
    });
    // The first goes out alone; the rest, asked for while it ran, share the next statement.
    expect(queries).toHaveLength(2);
    for (const page of pages) expect(page.map((tree) => tree.workflow.id)).toEqual(pages[0]!.map((tree) => tree.workflow.id));
    expect(pages[0]).toHaveLength(6);
  });

  test('distinct pages still go out side by side, each in its own statement', async () => {
    const queries = await app.queriesDuring(async () => {
      const pages = await Promise.all([1, 2, 3].map((limit) => listWorkflowTrees(app.db, { customerId: customer.customerId, limit })));
      expect(pages.map((page) => page.length)).toEqual([1, 2, 3]);
    });
    expect(queries).toHaveLength(3);
  });

  test('a page read while its statement runs is served by the next one, never by the one already running', async () => {
    const query = { customerId: customer.customerId, limit: 1 };
    const [newest] = await listWorkflowTrees(app.db, query);
    const running = listWorkflowTrees(app.db, query);
    await app.db.updateTable('workflows').set({ title: 'Renamed while the page was read' }).where('id', '=', newest!.workflow.id).execute();
    const [after] = await listWorkflowTrees(app.db, query);
    expect(after?.workflow.title).toBe('Renamed while the page was read');
    await running;
  });

  test('children come back whole: every column of each completion and media file, in order', async () => {
    const [tree] = await listWorkflowTrees(app.db, { customerId: customer.customerId, limit: 1 });
    const completions = await app.db
      .selectFrom('completions')
      .selectAll()
      .where('workflow_id', '=', tree!.workflow.id)
      .orderBy('position')
      .execute();
    const mediaFiles = await app.db
      .selectFrom('media_files')
      .selectAll()
      .where('workflow_id', '=', tree!.workflow.id)
      .orderBy('key')
      .execute();
    expect(tree!.completions).toEqual(completions.map(({ id: _id, ...row }) => row));
    expect(tree!.mediaFiles).toEqual(mediaFiles.map(({ id: _id, ...row }) => row));
    expect(tree!.mediaFiles.length).toBeGreaterThan(0);
  });
});
