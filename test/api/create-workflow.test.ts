import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CreateWorkflowInput } from '../gql/graphql.ts';
import { countRows, startTestApp, type TestApp, type UploadPart } from '../helpers/harness.ts';
import { jpeg, pngWithTransparentBorder } from '../helpers/images.ts';
import { customerLedger } from '../helpers/workflow-fixtures.ts';
import { CreateWorkflow, Me } from '../operations.ts';
import { waitForWorkflow } from '../pipeline/wait.ts';

let app: TestApp;
let png: Buffer;
beforeAll(async () => {
  app = await startTestApp();
  png = await pngWithTransparentBorder();
});
afterAll(() => app?.stop());

const baseInput = (overrides: Partial<CreateWorkflowInput> = {}): CreateWorkflowInput => ({
  title: 'Happy new year',
  model: 'vim_new_year_2026',
  primaryUserId: 'user-42',
  source: null,
  ...overrides,
});

const pngPart = (bytes: Uint8Array, filename = 'subject.png'): UploadPart => ({
  path: 'input.source',
  bytes,
  filename,
  contentType: 'image/png',
});

function create(key: string, input: CreateWorkflowInput, files: UploadPart[] = [pngPart(png)]) {
  return app.gql(CreateWorkflow, { input }, { key, files });
}

async function balance(key: string): Promise<number> {
  const me = await app.gql(Me, {}, { key });
  return me.data!.me.credits;
}

/** Rows, objects and ledger entries of one customer: what a rejected request must not change. */
async function footprint(customerId: string) {
  const ledger = await app.db.selectFrom('credit_ledger').select('amount').where('customer_id', '=', customerId).execute();
  return {
    workflows: await countRows(app.db, 'workflows'),
    completions: await countRows(app.db, 'completions'),
    jobs: await countRows(app.db, 'jobs'),
    media: await countRows(app.db, 'media_files'),
    objects: (await app.listObjects('workflows/')).length,
    ledgerEntries: ledger.length,
  };
}

describe('createWorkflow', () => {
  test('creates a queued workflow, its completions and its source, and reserves the credits', async () => {
    const { customerId, apiKey } = await app.createCustomer(20);
    const response = await create(apiKey, baseInput({ description: 'for the family', options: { aspectRatio: '9:16' } }));
    const workflow = response.data?.createWorkflow;
    expect(workflow?.__typename).toBe('Workflow');
    if (workflow?.__typename !== 'Workflow') throw new Error('unreachable');
    expect(workflow).toMatchObject({
      title: 'Happy new year',
      description: 'for the family',
      visibilityStatus: 'PRIVATE',
      model: 'vim_new_year_2026',
      options: { aspectRatio: '9:16', pipelineMode: 'VIDEO' },
      customerId,
      processingStatus: 'QUEUED',
      progressPercentage: 0,
      creditCost: 5,
      version: 1,
      mediaResult: [],
      result: [],
    });
    expect(workflow.completions.map((c) => [c.flow, c.status, c.attempts])).toEqual([
      ['CROP_TO_CONTENT', 'PENDING', 0],
      ['REPLACE_ALPHA_WITH_GRAY', 'PENDING', 0],
      ['UPSCALE', 'PENDING', 0],
      ['CREATE_MEDIA', 'PENDING', 0],
      ['VIDEO_OVERLAY', 'PENDING', 0],
    ]);
    expect(workflow.source).toMatchObject({
      key: `workflows/${workflow.id}/source/subject.png`,
      contentType: 'image/png',
      size: png.length,
      width: 200,
      height: 200,
    });
    // The signed URL serves the very bytes that were sent.
    const download = await fetch(workflow.source!.url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true);

    expect(await balance(apiKey)).toBe(15);
    const ledger = await app.db.selectFrom('credit_ledger').selectAll().where('customer_id', '=', customerId).orderBy('id').execute();
    expect(ledger.map((e) => [e.amount, e.reason, e.workflow_id])).toEqual([
      [20, 'GRANT', null],
      [-5, 'RESERVATION', workflow.id],
    ]);
    const job = await app.db.selectFrom('jobs').selectAll().where('workflow_id', '=', workflow.id).executeTakeFirst();
    expect(job?.status).toBe('QUEUED');
  });

  test('IMAGE runs four flows and costs the model price; JPEG sources are accepted', async () => {
    const { apiKey } = await app.createCustomer(3);
    const bytes = await jpeg(320, 240);
    const response = await create(
      apiKey,
      baseInput({ options: { pipelineMode: 'IMAGE', aspectRatio: '1:1' }, visibilityStatus: 'PUBLIC' }),
      [{ path: 'input.source', bytes, filename: 'photo.jpg', contentType: 'image/jpeg' }],
    );
    const workflow = response.data?.createWorkflow;
    if (workflow?.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(response)}`);
    expect(workflow.completions.map((c) => c.flow)).toEqual(['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA']);
    expect(workflow.creditCost).toBe(1);
    expect(workflow.visibilityStatus).toBe('PUBLIC');
    expect(workflow.source).toMatchObject({ contentType: 'image/jpeg', width: 320, height: 240 });
    expect(await balance(apiKey)).toBe(2);
  });

  test('50 concurrent VIDEO runs on credits for exactly 10: 10 workflows, 40 InsufficientCreditError, balance 0', async () => {
    const { customerId, apiKey } = await app.createCustomer(50);
    const before = (await app.listObjects('workflows/')).length;
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => create(apiKey, baseInput({ title: `run ${i}` }))));
    const kinds = responses.map((r) => r.data?.createWorkflow.__typename ?? JSON.stringify(r.errors));
    expect(kinds.filter((k) => k === 'Workflow')).toHaveLength(10);
    expect(kinds.filter((k) => k === 'InsufficientCreditError')).toHaveLength(40);
    for (const response of responses) {
      const result = response.data!.createWorkflow;
      if (result.__typename === 'InsufficientCreditError') {
        expect(result.required).toBe(5);
        expect(result.available).toBeLessThan(5);
        expect(result.code).toBe('INSUFFICIENT_CREDIT');
      }
    }
    expect(await balance(apiKey)).toBe(0);
    expect(await app.services.credits.ledgerSum(customerId)).toBe(0);
    const mine = await app.db.selectFrom('workflows').select('id').where('customer_id', '=', customerId).execute();
    expect(mine).toHaveLength(10);
    // The 40 rejected requests left no source object behind.
    expect((await app.listObjects('workflows/')).length - before).toBe(10);
  });

  test('20 concurrent calls with one idempotency key: one workflow, one reservation', async () => {
    const { customerId, apiKey } = await app.createCustomer(100);
    const before = (await app.listObjects('workflows/')).length;
    const responses = await Promise.all(Array.from({ length: 20 }, () => create(apiKey, baseInput({ idempotencyKey: 'order-7781' }))));
    const ids = new Set(
      responses.map((r) => {
        const result = r.data?.createWorkflow;
        if (result?.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(r)}`);
        return result.id;
      }),
    );
    expect(ids.size).toBe(1);
    expect(await balance(apiKey)).toBe(95);
    const reservations = await app.db
      .selectFrom('credit_ledger')
      .select('amount')
      .where('customer_id', '=', customerId)
      .where('reason', '=', 'RESERVATION')
      .execute();
    expect(reservations).toEqual([{ amount: -5 }]);
    expect((await app.listObjects('workflows/')).length - before).toBe(1);

    // The same key from another customer is another request.
    const other = await app.createCustomer(5);
    const theirs = await create(other.apiKey, baseInput({ idempotencyKey: 'order-7781' }));
    expect(theirs.data?.createWorkflow.__typename).toBe('Workflow');
    expect(theirs.data?.createWorkflow).not.toMatchObject({ id: [...ids][0] });
  });

  test('an idempotency key older than 24 hours starts a new workflow', async () => {
    let now = new Date('2026-03-01T10:00:00Z');
    const timed = await startTestApp({ clock: () => now });
    try {
      const { apiKey } = await timed.createCustomer(10);
      const send = () =>
        timed.gql(CreateWorkflow, { input: baseInput({ idempotencyKey: 'daily' }) }, { key: apiKey, files: [pngPart(png)] });
      const first = (await send()).data?.createWorkflow;
      now = new Date('2026-03-02T09:59:00Z');
      const replay = (await send()).data?.createWorkflow;
      now = new Date('2026-03-02T10:00:01Z');
      const fresh = (await send()).data?.createWorkflow;
      if (first?.__typename !== 'Workflow' || replay?.__typename !== 'Workflow' || fresh?.__typename !== 'Workflow') {
        throw new Error('expected three Workflow results');
      }
      expect(replay.id).toBe(first.id);
      expect(fresh.id).not.toBe(first.id);
      expect((await timed.gql(Me, {}, { key: apiKey })).data?.me.credits).toBe(0);
    } finally {
      await timed.stop();
    }
  });
});

describe('createWorkflow rejects bad input with a typed error and changes nothing', () => {
  let customer: { customerId: string; apiKey: string };
  beforeAll(async () => {
    customer = await app.createCustomer(50);
  });

  const cases: Array<{
    name: string;
    input: () => CreateWorkflowInput;
    files?: () => Promise<UploadPart[]>;
    expected: Record<string, unknown>;
    field?: string;
  }> = [
    {
      name: 'unknown model',
      input: () => baseInput({ model: 'no_such_model' }),
      expected: { __typename: 'NotFoundError', code: 'NOT_FOUND', resource: 'Model', missingId: 'no_such_model' },
    },
    {
      name: 'aspect ratio the model does not offer',
      input: () => baseInput({ options: { aspectRatio: '21:9' } }),
      expected: { __typename: 'ValidationError', code: 'VALIDATION_ERROR' },
      field: 'input.options.aspectRatio',
    },
    {
      name: 'aspect ratio another model offers but this one does not',
      input: () => baseInput({ model: 'aurora_portrait_2026', options: { aspectRatio: '16:9' } }),
      expected: { __typename: 'ValidationError' },
      field: 'input.options.aspectRatio',
    },
    { name: 'empty title', input: () => baseInput({ title: '   ' }), expected: { __typename: 'ValidationError' }, field: 'input.title' },
    {
      name: 'title over 200 characters',
      input: () => baseInput({ title: 'x'.repeat(201) }),
      expected: { __typename: 'ValidationError' },
      field: 'input.title',
    },
    {
      name: 'description over 2,000 characters',
      input: () => baseInput({ description: 'x'.repeat(2001) }),
      expected: { __typename: 'ValidationError' },
      field: 'input.description',
    },
    {
      name: 'empty primaryUserId',
      input: () => baseInput({ primaryUserId: '' }),
      expected: { __typename: 'ValidationError' },
      field: 'input.primaryUserId',
    },
    {
      name: 'a text file renamed to .png',
      input: () => baseInput(),
      files: async () => [pngPart(Buffer.from('this is not an image, just text\n'.repeat(20)), 'notes.png')],
      expected: { __typename: 'ValidationError' },
      field: 'input.source',
    },
    {
      name: 'a file over 25 MB',
      input: () => baseInput(),
      files: async () => [pngPart(Buffer.alloc(25 * 1024 * 1024 + 1, 1))],
      expected: { __typename: 'ValidationError' },
      field: 'input.source',
    },
    {
      name: 'an image over 40 megapixels',
      input: () => baseInput(),
      files: async () => [
        {
          path: 'input.source',
          // 7000 x 6000 = 42 MP of one colour compresses to a few kilobytes.
          bytes: await (await import('sharp'))
            .default({ create: { width: 7000, height: 6000, channels: 3, background: '#fff' } })
            .png()
            .toBuffer(),
          filename: 'huge.png',
          contentType: 'image/png',
        },
      ],
      expected: { __typename: 'ValidationError' },
      field: 'input.source',
    },
    {
      name: 'an image too small for the pipeline (1x1)',
      input: () => baseInput(),
      files: async () => [
        {
          path: 'input.source',
          bytes: await (await import('sharp'))
            .default({ create: { width: 1, height: 1, channels: 4, background: '#c00' } })
            .png()
            .toBuffer(),
          filename: 'dot.png',
          contentType: 'image/png',
        },
      ],
      expected: { __typename: 'ValidationError' },
      field: 'input.source',
    },
    {
      name: 'both source and uploadId',
      input: () => baseInput({ uploadId: '00000000-0000-4000-8000-000000000000' }),
      expected: { __typename: 'ValidationError' },
      field: 'input.source',
    },
    {
      name: 'neither source nor uploadId',
      input: () => baseInput(),
      files: async () => [],
      expected: { __typename: 'ValidationError' },
      field: 'input.source',
    },
    {
      name: 'a customer key naming another customer',
      input: () => baseInput({ customerId: '00000000-0000-4000-8000-000000000000' }),
      expected: { __typename: 'ValidationError' },
      field: 'input.customerId',
    },
    {
      name: 'a malformed uploadId',
      input: () => baseInput({ uploadId: 'not-a-uuid' }),
      files: async () => [],
      expected: { __typename: 'ValidationError' },
      field: 'input.uploadId',
    },
    {
      name: 'an upload of another customer (or none)',
      input: () => baseInput({ uploadId: '00000000-0000-4000-8000-000000000000' }),
      files: async () => [],
      expected: { __typename: 'NotFoundError', resource: 'Upload' },
    },
  ];

  test.each(cases)('$name', async ({ input, files, expected, field }) => {
    const before = await footprint(customer.customerId);
    const response = await create(customer.apiKey, input(), files ? await files() : [pngPart(png)]);
    expect(response.errors).toBeUndefined();
    const result = response.data!.createWorkflow;
    expect(result).toMatchObject(expected);
    if (field) {
      if (result.__typename !== 'ValidationError') throw new Error('unreachable');
      expect(result.fieldErrors.map((e) => e.field)).toContain(field);
      expect(result.fieldErrors.every((e) => e.message.length > 0)).toBe(true);
    }
    expect(await footprint(customer.customerId)).toEqual(before);
    expect(await balance(customer.apiKey)).toBe(50);
  });

  test('a pipeline mode that does not exist is refused by the schema (BAD_USER_INPUT) and creates nothing', async () => {
    const before = await footprint(customer.customerId);
    const input = { ...baseInput(), options: { pipelineMode: 'GIF' } } as unknown as CreateWorkflowInput;
    const response = await create(customer.apiKey, input);
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.[0]?.message).toMatch(/PipelineMode/);
    expect(await footprint(customer.customerId)).toEqual(before);
  });

  test('insufficient credit says what is required and available, and creates nothing', async () => {
    const poor = await app.createCustomer(4);
    const before = await footprint(poor.customerId);
    const response = await create(poor.apiKey, baseInput());
    expect(response.data?.createWorkflow).toMatchObject({ __typename: 'InsufficientCreditError', required: 5, available: 4 });
    expect(await footprint(poor.customerId)).toEqual(before);
  });

  test('missing and bad API keys are UNAUTHENTICATED and create nothing', async () => {
    const before = await footprint(customer.customerId);
    for (const options of [{}, { authorization: 'Bearer fw_not_a_real_key' }, { authorization: 'Basic abc' }]) {
      const response = await app.gql(CreateWorkflow, { input: baseInput() }, { ...options, files: [pngPart(png)] });
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    }
    expect(await footprint(customer.customerId)).toEqual(before);
  });

  test('the admin key must name an existing customer and acts for it', async () => {
    const { ADMIN_KEY } = await import('../helpers/harness.ts');
    const missing = await create(ADMIN_KEY, baseInput());
    expect(missing.data?.createWorkflow).toMatchObject({ __typename: 'ValidationError' });
    const unknown = await create(ADMIN_KEY, baseInput({ customerId: '00000000-0000-4000-8000-000000000000' }));
    expect(unknown.data?.createWorkflow).toMatchObject({ __typename: 'NotFoundError', resource: 'Customer' });
    const target = await app.createCustomer(5);
    const made = await create(ADMIN_KEY, baseInput({ customerId: target.customerId }));
    expect(made.data?.createWorkflow).toMatchObject({ __typename: 'Workflow', customerId: target.customerId });
    expect(await balance(target.apiKey)).toBe(0);
  });
});

/**
 * createWorkflow reads only the header (a full decode there cost seconds of a shared thread per
 * request, before the credit check): what only the pixels tell is the worker's to find. The run
 * FAILS at once on its first flow, with no retry, and is refunded, as for any input no retry can fix.
 */
describe('an image whose header is fine but whose pixels cannot be used', () => {
  const transparent = () =>
    sharp({ create: { width: 64, height: 48, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
  // The IHDR chunk (the header) is whole; the pixel data stops after a few hundred bytes.
  const truncated = async () => (await pngWithTransparentBorder(600, 300)).subarray(0, 400);

  test.each([
    { name: 'an entirely transparent image (nothing to crop to)', bytes: transparent, reason: /entirely transparent/ },
    { name: 'a truncated PNG', bytes: truncated, reason: /could not be decoded/ },
  ])('$name: taken and charged, then its run FAILS at once in the worker, refunded', async ({ bytes, reason }) => {
    const idle = await startTestApp();
    try {
      const { apiKey, customerId } = await idle.createCustomer(5);
      const response = await idle.gql(CreateWorkflow, { input: baseInput() }, { key: apiKey, files: [pngPart(await bytes())] });
      const created = response.data?.createWorkflow;
      if (created?.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(response)}`);
      expect((await idle.gql(Me, {}, { key: apiKey })).data?.me.credits).toBe(0);

      idle.startWorker({ concurrency: 1, backoffMs: () => 100 });
      const done = await waitForWorkflow(idle, created.id, apiKey, (w) => ['SUCCESS', 'FAILED', 'CANCELED'].includes(w.processingStatus));
      expect(done.processingStatus).toBe('FAILED');
      expect(done.error).toMatch(/^CROP_TO_CONTENT failed: the input cannot be processed/);
      expect(done.completions[0]).toMatchObject({ flow: 'CROP_TO_CONTENT', status: 'FAILED', attempts: 1 });
      expect(done.completions[0]!.error).toMatch(reason);
      expect(done.completions.slice(1).every((c) => c.status === 'PENDING')).toBe(true);
      const job = await idle.db.selectFrom('jobs').selectAll().where('workflow_id', '=', created.id).executeTakeFirstOrThrow();
      expect(job).toMatchObject({ status: 'FAILED', attempts: 1 });
      expect(await customerLedger(idle, customerId)).toEqual([
        { amount: 5, reason: 'GRANT' },
        { amount: -5, reason: 'RESERVATION' },
        { amount: 5, reason: 'REFUND' },
      ]);
      expect((await idle.gql(Me, {}, { key: apiKey })).data?.me.credits).toBe(5);
    } finally {
      await idle.stop();
    }
  });
});
