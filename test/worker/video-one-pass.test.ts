import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { probeVideo } from '../../src/media/probe.ts';
import type { FlowName } from '../../src/modules/workflows/workflow.ts';
import type { Flow, FlowRegistry } from '../../src/worker/flows/flow.ts';
import { flows } from '../../src/worker/flows/index.ts';
import { runJob } from '../../src/worker/run-job.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { claimedJob, completionsOf, runJobDeps } from '../helpers/run-job-deps.ts';
import { createWorkflowFor } from '../helpers/workflow-fixtures.ts';

// CREATE_MEDIA renders VIDEO_OVERLAY's MP4 from the frames it composes for the clip; each flow
// still has its own completion, and a run resumed after CREATE_MEDIA overlays the stored clip.

let app: TestApp;
let customerId: string;
let workDir: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ customerId } = await app.createCustomer(100));
  workDir = await mkdtemp(path.join(os.tmpdir(), 'framewright-one-pass-run-'));
});
afterAll(async () => {
  await app?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const WORKER = 'video-one-pass-test-worker';

/** The service's flows with a one-second template (the real one is 6 s of 1080p), each call's `prepared` noted. */
function shortFlows(overrides: Partial<Record<FlowName, Flow>> = {}) {
  const preparedFor: Array<{ flow: FlowName; prepared: string[] | undefined }> = [];
  const wrap =
    (flow: FlowName, run: Flow): Flow =>
    (context) => {
      preparedFor.push({ flow, prepared: context.prepared?.map((output) => output.name) });
      return run({ ...context, template: { ...context.template, durationMs: 1_000 } });
    };
  const registry = Object.fromEntries(
    Object.entries(flows).map(([flow, run]) => [flow, wrap(flow as FlowName, overrides[flow as FlowName] ?? run)]),
  ) as unknown as FlowRegistry;
  return { registry, preparedFor };
}

const deps = (registry: FlowRegistry) => runJobDeps(app, WORKER, { flows: registry, backoffMs: () => 0 });
const claimed = (workflowId: string) => claimedJob(app, WORKER, workflowId);

/** The final MP4 in the bucket, probed. */
async function storedVideo(workflowId: string) {
  const file = path.join(workDir, `${workflowId}.mp4`);
  await writeFile(file, await app.storage.get(`workflows/${workflowId}/media/final.mp4`));
  return probeVideo(file);
}

describe('VIDEO in one pass, in a run', () => {
  test('VIDEO_OVERLAY takes the MP4 CREATE_MEDIA made, and both flows end SUCCESS with their own files', async () => {
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
    const { registry, preparedFor } = shortFlows();
    expect(await runJob(await claimed(workflow.id), deps(registry), new AbortController().signal)).toBe('done');
    expect(preparedFor.find((call) => call.flow === 'VIDEO_OVERLAY')?.prepared).toEqual(['final.mp4']);
    expect(preparedFor.filter((call) => call.flow !== 'VIDEO_OVERLAY').every((call) => call.prepared === undefined)).toBe(true);
    expect((await completionsOf(app, workflow.id)).map((c) => [c.flow, c.status, c.attempts])).toEqual([
      ['CROP_TO_CONTENT', 'SUCCESS', 1],
      ['REPLACE_ALPHA_WITH_GRAY', 'SUCCESS', 1],
      ['UPSCALE', 'SUCCESS', 1],
      ['CREATE_MEDIA', 'SUCCESS', 1],
      ['VIDEO_OVERLAY', 'SUCCESS', 1],
    ]);
    const keys = (await app.db.selectFrom('media_files').select(['role', 'key']).where('workflow_id', '=', workflow.id).execute())
      .filter((file) => file.role === 'CREATE_MEDIA' || file.role === 'VIDEO_OVERLAY')
      .map((file) => [file.role, file.key.split('/').slice(2).join('/')]);
    expect(keys.sort()).toEqual([
      ['CREATE_MEDIA', 'create_media/clip.webm'],
      ['VIDEO_OVERLAY', 'media/final.mp4'],
    ]);
    expect(await storedVideo(workflow.id)).toMatchObject({ width: 1920, height: 1080, codec: 'h264', durationMs: 1_000 });
  }, 120_000);

  test('a run resumed after CREATE_MEDIA overlays the clip stored in the bucket', async () => {
    const workflow = await createWorkflowFor(app, customerId, { options: { pipelineMode: 'VIDEO' } });
    const failing = shortFlows({
      VIDEO_OVERLAY: async () => {
        throw new Error('the overlay failed this time');
      },
    });
    expect(await runJob(await claimed(workflow.id), deps(failing.registry), new AbortController().signal)).toBe('retrying');
    const { registry, preparedFor } = shortFlows();
    const get = vi.spyOn(app.storage, 'get');
    try {
      expect(await runJob(await claimed(workflow.id), deps(registry), new AbortController().signal)).toBe('done');
      expect(get.mock.calls.map(([key]) => key)).toContain(`workflows/${workflow.id}/create_media/clip.webm`);
    } finally {
      get.mockRestore();
    }
    expect(preparedFor.map((call) => [call.flow, call.prepared])).toEqual([['VIDEO_OVERLAY', undefined]]);
    expect((await completionsOf(app, workflow.id)).map((c) => [c.flow, c.status, c.attempts]).slice(3)).toEqual([
      ['CREATE_MEDIA', 'SUCCESS', 1],
      ['VIDEO_OVERLAY', 'SUCCESS', 2],
    ]);
    expect(await storedVideo(workflow.id)).toMatchObject({ width: 1920, height: 1080, codec: 'h264', durationMs: 1_000 });
  }, 120_000);
});
