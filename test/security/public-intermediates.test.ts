import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/harness.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';
import { until, wsClient } from '../subscriptions/clients.ts';

// A PUBLIC workflow shows its final media to anyone, but what each flow wrote on the way (the
// cropped original at full resolution, the subject on gray, the upscaled subject) and the upload
// itself stay its owner's and the admin's: for anyone else the completions' results are empty.

const WorkflowOutputs = graphql(`
  query WorkflowOutputs($id: ID!) {
    workflow(id: $id) {
      __typename
      ... on Workflow {
        customerId
        source {
          key
          url
        }
        completions {
          flow
          status
          result {
            key
            url
            contentType
            size
            width
            height
          }
        }
        mediaResult {
          key
          url
          size
        }
        result
      }
    }
  }
`);

const ProgressOutputs = graphql(`
  subscription ProgressOutputs($id: ID!) {
    workflowProgress(id: $id) {
      processingStatus
      workflow {
        source {
          key
        }
        completions {
          flow
          result {
            key
            url
          }
        }
        mediaResult {
          key
          url
        }
      }
    }
  }
`);

/** Where the pipeline keeps what is not final media (src/worker/flows, docs/api.md "Objects"). */
const INTERMEDIATE_FOLDERS = ['/source/', '/crop_to_content/', '/replace_alpha_with_gray/', '/upscale/'];

let app: TestApp;
let owner: { customerId: string; apiKey: string };
let stranger: { customerId: string; apiKey: string };
let workflowId: string;

beforeAll(async () => {
  app = await startTestApp();
  owner = await app.createCustomer(10, 'Owner');
  stranger = await app.createCustomer(10, 'Stranger');
  workflowId = (await createWorkflowFor(app, owner.customerId, { visibilityStatus: 'PUBLIC' })).id;
  const worker = app.startWorker();
  await until(
    'the IMAGE run to succeed',
    async () => (await app.services.workflows.get({ kind: 'admin' }, workflowId)).processingStatus === 'SUCCESS',
    90_000,
  );
  await worker.stop(0);
});

afterAll(() => app?.stop());

async function read(key: string | undefined) {
  const response = await app.gql(WorkflowOutputs, { id: workflowId }, { key });
  expect(response.errors).toBeUndefined();
  const workflow = response.data?.workflow;
  if (workflow?.__typename !== 'Workflow') throw new Error(JSON.stringify(response));
  return { workflow, body: JSON.stringify(response) };
}

/** The one event a finished workflow's stream carries, over graphql-ws. */
async function followOnce(key: string | undefined) {
  const client = wsClient(app.url, key);
  try {
    for await (const result of client.iterate({ query: print(ProgressOutputs), variables: { id: workflowId } })) {
      expect(result.errors).toBeUndefined();
      return { event: (result.data as { workflowProgress: EventShape }).workflowProgress, body: JSON.stringify(result) };
    }
    throw new Error('the stream ended without an event');
  } finally {
    await client.dispose();
  }
}

interface EventShape {
  processingStatus: string;
  workflow: {
    source: { key: string } | null;
    completions: Array<{ flow: string; result: Array<{ key: string; url: string }> }>;
    mediaResult: Array<{ key: string; url: string }>;
  };
}

/**
 * Every caller follows the same QUEUED PUBLIC workflow at once, on one API process, and the owner
 * changes it: each event is one object executed once per shape, and the shape must tell the
 * callers apart. Returns each caller's two events (the state found, then the change) as JSON.
 */
async function followTogetherThroughAChange(): Promise<Record<string, string[]>> {
  const queued = await createWorkflowFor(app, owner.customerId, { visibilityStatus: 'PUBLIC' });
  const query = 'subscription($id: ID!) { workflowProgress(id: $id) { version workflow { customerId title source { key } } } }';
  const entries = Object.entries(callers());
  const clients = entries.map(([, key]) => wsClient(app.url, key));
  const seen = entries.map(() => [] as string[]);
  for (const [i, client] of clients.entries()) {
    client.subscribe(
      { query, variables: { id: queued.id } },
      {
        next: (result) => void seen[i]!.push(JSON.stringify(result)),
        error: (error) => seen[i]!.push(`error ${JSON.stringify(error)}`),
        complete: () => {},
      },
    );
  }
  const each = (count: number) => until(`${count} event(s) for every caller`, async () => seen.every((s) => s.length >= count), 10_000);
  await each(1);
  await app.services.workflows.update({ kind: 'customer', customerId: owner.customerId }, queued.id, { title: 'Changed' });
  await each(2);
  await Promise.all(clients.map((client) => client.dispose()));
  return Object.fromEntries(entries.map(([name], i) => [name, seen[i]!]));
}

const callers = () => ({
  owner: owner.apiKey,
  admin: ADMIN_KEY,
  'another customer': stranger.apiKey,
  'no key': undefined,
});

describe("a PUBLIC workflow's intermediate outputs", () => {
  test("the owner and the admin see every flow's files and the source", async () => {
    for (const key of [callers().owner, callers().admin]) {
      const { workflow, body } = await read(key);
      expect(workflow.customerId).toBe(owner.customerId);
      expect(workflow.source?.key).toContain('/source/');
      expect(workflow.completions.map((c) => [c.flow, c.status])).toEqual([
        ['CROP_TO_CONTENT', 'SUCCESS'],
        ['REPLACE_ALPHA_WITH_GRAY', 'SUCCESS'],
        ['UPSCALE', 'SUCCESS'],
        ['CREATE_MEDIA', 'SUCCESS'],
      ]);
      for (const completion of workflow.completions) {
        expect(completion.result.length).toBeGreaterThan(0);
        for (const file of completion.result) expect(file).toMatchObject({ url: expect.stringMatching(/^http/), size: expect.any(Number) });
      }
      // What the other callers must not see is really in the owner's answer.
      for (const folder of INTERMEDIATE_FOLDERS) expect(body).toContain(folder);
    }
  });

  test('another customer and a caller without a key see the completions without their files, no source, and the final media', async () => {
    const { workflow: own } = await read(owner.apiKey);
    for (const key of [callers()['another customer'], callers()['no key']]) {
      const { workflow, body } = await read(key);
      expect(workflow.customerId).toBeNull();
      expect(workflow.source).toBeNull();
      // The flows and their statuses stay (progress is public); their files do not.
      expect(workflow.completions.map((c) => [c.flow, c.status])).toEqual(own.completions.map((c) => [c.flow, c.status]));
      expect(workflow.completions.every((c) => c.result.length === 0)).toBe(true);
      for (const folder of INTERMEDIATE_FOLDERS) expect(body).not.toContain(folder);
      // The final media is what a PUBLIC workflow is for: listed, signed, and downloadable.
      expect(workflow.mediaResult.map((file) => file.key)).toEqual(own.mediaResult.map((file) => file.key));
      expect(workflow.mediaResult).toHaveLength(1);
      expect(workflow.result).toHaveLength(1);
      const download = await fetch(workflow.mediaResult[0]!.url);
      expect(download.status).toBe(200);
      expect((await download.arrayBuffer()).byteLength).toBe(workflow.mediaResult[0]!.size);
    }
  });

  test('workflowProgress shows each caller the same as a query does', async () => {
    for (const [name, key] of Object.entries(callers())) {
      const { event, body } = await followOnce(key);
      expect(event.processingStatus).toBe('SUCCESS');
      expect(event.workflow.mediaResult).toHaveLength(1);
      const insider = name === 'owner' || name === 'admin';
      expect({ name, sourceShown: event.workflow.source !== null }).toEqual({ name, sourceShown: insider });
      expect({ name, filesShown: event.workflow.completions.map((c) => c.result.length > 0) }).toEqual({
        name,
        filesShown: [insider, insider, insider, insider],
      });
      for (const folder of INTERMEDIATE_FOLDERS)
        expect({ name, folder, shown: body.includes(folder) }).toEqual({ name, folder, shown: insider });
    }
  });

  test('callers following the same workflow at once each get their own view of every event', async () => {
    const seen = await followTogetherThroughAChange();
    for (const [name, events] of Object.entries(seen)) {
      const insider = name === 'owner' || name === 'admin';
      const parsed = events.map(
        (text) => JSON.parse(text) as { data: { workflowProgress: { version: number; workflow: Record<string, unknown> } } },
      );
      expect({ name, titles: parsed.map((e) => e.data.workflowProgress.workflow['title']) }).toEqual({
        name,
        titles: ['A workflow', 'Changed'],
      });
      for (const event of parsed) {
        const { customerId, source } = event.data.workflowProgress.workflow;
        expect({ name, customerId, sourceShown: source !== null }).toEqual({
          name,
          customerId: insider ? owner.customerId : null,
          sourceShown: insider,
        });
      }
    }
  });
});
