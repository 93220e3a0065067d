import sharp from 'sharp';
import { sleep } from './stats.ts';

export interface GraphQLResult<T = Record<string, unknown>> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** A plain POST to /graphql; throws on GraphQL errors so a broken setup fails loudly. */
export async function gql<T = Record<string, unknown>>(url: string, key: string, query: string, variables: object = {}): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResult<T>;
  if (body.errors?.length || !body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export async function createCustomer(
  url: string,
  adminKey: string,
  name: string,
  credits: number,
): Promise<{ id: string; apiKey: string }> {
  const data = await gql<{ createCustomer: { apiKey: string; customer: { id: string } } }>(
    url,
    adminKey,
    'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { apiKey customer { id } } }',
    { input: { name, credits } },
  );
  return { id: data.createCustomer.customer.id, apiKey: data.createCustomer.apiKey };
}

const CREATE_WORKFLOW = `mutation($input: CreateWorkflowInput!) {
  createWorkflow(input: $input) { __typename ... on Workflow { id } ... on Error { message } }
}`;

/** createWorkflow with the image as a multipart upload, as an app sends it. */
export async function createWorkflow(
  url: string,
  key: string,
  image: Buffer,
  options: { mode: 'IMAGE' | 'VIDEO'; aspectRatio?: string; title?: string },
): Promise<string> {
  const form = new FormData();
  const input = {
    model: 'vim_new_year_2026',
    title: options.title ?? 'Bench workflow',
    primaryUserId: 'bench-user',
    source: null,
    options: { pipelineMode: options.mode, aspectRatio: options.aspectRatio ?? '16:9' },
  };
  form.set('operations', JSON.stringify({ query: CREATE_WORKFLOW, variables: { input } }));
  form.set('map', JSON.stringify({ 0: ['variables.input.source'] }));
  form.set('0', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'input.png');
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'graphql-require-preflight': 'true' },
    body: form,
  });
  const body = (await response.json()) as GraphQLResult<{ createWorkflow: { __typename: string; id?: string; message?: string } }>;
  const result = body.data?.createWorkflow;
  if (!result?.id) throw new Error(`createWorkflow failed: ${JSON.stringify(body.errors ?? result)}`);
  return result.id;
}

export interface FlowTiming {
  flow: string;
  status: string;
  startedAt: string | null;
  completedAt: string | null;
}

export interface WorkflowState {
  id: string;
  processingStatus: string;
  createdAt: string;
  updatedAt: string;
  error: string | null;
  completions: FlowTiming[];
}

/** Polls until every workflow has ended; fails on a FAILED or CANCELED one, or after `timeoutMs`. */
export async function waitForSuccess(url: string, key: string, ids: string[], timeoutMs: number, pollMs = 250): Promise<WorkflowState[]> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, WorkflowState>();
  while (done.size < ids.length) {
    if (Date.now() > deadline) throw new Error(`${ids.length - done.size} workflows did not finish within ${timeoutMs} ms`);
    for (const id of ids.filter((candidate) => !done.has(candidate))) {
      const data = await gql<{ workflow: WorkflowState }>(
        url,
        key,
        `query($id: ID!) { workflow(id: $id) { ... on Workflow { id processingStatus createdAt updatedAt error
          completions { flow status startedAt completedAt } } } }`,
        { id },
      );
      const state = data.workflow;
      if (state.processingStatus === 'FAILED' || state.processingStatus === 'CANCELED') {
        throw new Error(`workflow ${id} ended ${state.processingStatus}: ${state.error}`);
      }
      if (state.processingStatus === 'SUCCESS') done.set(id, state);
    }
    if (done.size < ids.length) await sleep(pollMs);
  }
  return ids.map((id) => done.get(id)!);
}

/** A PNG with a transparent border around an opaque subject with some detail: the pipeline's typical input. */
export async function inputImage(width: number, height: number): Promise<Buffer> {
  const subjectWidth = Math.round(width * 0.6);
  const subjectHeight = Math.round(height * 0.6);
  const gradient = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${subjectWidth}" height="${subjectHeight}">
      <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#d02020"/><stop offset="1" stop-color="#2040d0"/></linearGradient></defs>
      <ellipse cx="50%" cy="50%" rx="48%" ry="48%" fill="url(#g)"/></svg>`,
  );
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } }, limitInputPixels: false })
    .composite([{ input: gradient, left: Math.round(width * 0.2), top: Math.round(height * 0.2) }])
    .png()
    .toBuffer();
}
