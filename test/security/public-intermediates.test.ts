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
});
