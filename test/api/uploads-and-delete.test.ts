import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { countRows, startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { CreateUpload, CreateWorkflow, DeleteWorkflow, GetWorkflow, Me } from '../operations.ts';

let app: TestApp;
let png: Buffer;
beforeAll(async () => {
  app = await startTestApp();
  png = await pngWithTransparentBorder(240, 120);
});
afterAll(() => app?.stop());

const input = { title: 'From an upload', model: 'vim_new_year_2026', primaryUserId: 'user-7', source: null };

async function createUpload(key: string, size = png.length, contentType = 'image/png') {
  const response = await app.gql(CreateUpload, { input: { filename: 'my photo.png', contentType, size } }, { key });
  const upload = response.data?.createUpload;
  if (upload?.__typename !== 'Upload') throw new Error(`expected an Upload, got ${JSON.stringify(response)}`);
  return upload;
}

async function put(upload: { url: string; headers: unknown }, bytes: Uint8Array) {
  const response = await fetch(upload.url, {
    method: 'PUT',
    headers: upload.headers as Record<string, string>,
    body: new Uint8Array(bytes),
  });
  expect(response.status).toBe(200);
}

describe('createUpload and uploadId', () => {
  test('a presigned PUT, then createWorkflow with uploadId moves the file under the workflow', async () => {
    const { apiKey, customerId } = await app.createCustomer(10);
    const upload = await createUpload(apiKey);
    expect(upload.headers).toEqual({ 'Content-Type': 'image/png' });
    expect(new Date(upload.expiresAt).getTime()).toBeGreaterThan(Date.now());
    await put(upload, png);
    const uploadKeys = await app.listObjects(`uploads/${customerId}/`);
    expect(uploadKeys).toHaveLength(1);

    const response = await app.gql(CreateWorkflow, { input: { ...input, uploadId: upload.id } }, { key: apiKey });
    const workflow = response.data?.createWorkflow;
    if (workflow?.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(response)}`);
    expect(workflow.source).toMatchObject({
      key: `workflows/${workflow.id}/source/my_photo.png`,
      size: png.length,
      width: 240,
      height: 240,
    });
    const downloaded = Buffer.from(await (await fetch(workflow.source!.url)).arrayBuffer());
    expect(downloaded.equals(png)).toBe(true);
    // The upload's object is gone once the workflow owns a copy.
    expect(await app.listObjects(`uploads/${customerId}/`)).toEqual([]);

    // An upload is used once.
    const again = await app.gql(CreateWorkflow, { input: { ...input, uploadId: upload.id } }, { key: apiKey });
    expect(again.data?.createWorkflow).toMatchObject({ __typename: 'ValidationError' });
    expect((await app.gql(Me, {}, { key: apiKey })).data?.me.credits).toBe(5);
  });

  test('an upload that was never sent, or of another size, or not an image is a ValidationError and costs nothing', async () => {
    const { apiKey } = await app.createCustomer(10);
    const notSent = await createUpload(apiKey);
    const wrongSize = await createUpload(apiKey, png.length + 10);
    await put(wrongSize, png);
    const text = Buffer.from('plain text, not a picture');
    const notImage = await createUpload(apiKey, text.length);
    await put(notImage, text);
    const workflowsBefore = await countRows(app.db, 'workflows');
    for (const upload of [notSent, wrongSize, notImage]) {
      const response = await app.gql(CreateWorkflow, { input: { ...input, uploadId: upload.id } }, { key: apiKey });
      const result = response.data?.createWorkflow;
      if (result?.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(response)}`);
      expect(result.fieldErrors[0]?.field).toBe('input.uploadId');
    }
    expect(await countRows(app.db, 'workflows')).toBe(workflowsBefore);
    expect((await app.gql(Me, {}, { key: apiKey })).data?.me.credits).toBe(10);
  });

  test("another customer's upload is NotFoundError", async () => {
    const owner = await app.createCustomer(10);
    const thief = await app.createCustomer(10);
    const upload = await createUpload(owner.apiKey);
    await put(upload, png);
    const response = await app.gql(CreateWorkflow, { input: { ...input, uploadId: upload.id } }, { key: thief.apiKey });
    expect(response.data?.createWorkflow).toMatchObject({ __typename: 'NotFoundError', resource: 'Upload' });
  });

  test.each([
    { name: 'a type that is not an image', value: { filename: 'a.txt', contentType: 'text/plain', size: 10 }, field: 'input.contentType' },
    { name: 'zero bytes', value: { filename: 'a.png', contentType: 'image/png', size: 0 }, field: 'input.size' },
    { name: 'over 25 MB', value: { filename: 'a.png', contentType: 'image/png', size: 25 * 1024 * 1024 + 1 }, field: 'input.size' },
    { name: 'an empty file name', value: { filename: '', contentType: 'image/png', size: 10 }, field: 'input.filename' },
  ])('createUpload rejects $name', async ({ value, field }) => {
    const { apiKey } = await app.createCustomer(0);
    const before = await countRows(app.db, 'uploads');
    const response = await app.gql(CreateUpload, { input: value }, { key: apiKey });
    const result = response.data?.createUpload;
    if (result?.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(response)}`);
    expect(result.fieldErrors.map((e) => e.field)).toEqual([field]);
    expect(await countRows(app.db, 'uploads')).toBe(before);
  });
});

describe('deleteWorkflow', () => {
  test('removes every object under the prefix and the rows, returns the workflow as it was, refunds an unfinished run', async () => {
    const { apiKey, customerId } = await app.createCustomer(5);
    const created = await app.gql(
      CreateWorkflow,
      { input },
      { key: apiKey, files: [{ path: 'input.source', bytes: png, filename: 'a.png', contentType: 'image/png' }] },
    );
    const workflow = created.data?.createWorkflow;
    if (workflow?.__typename !== 'Workflow') throw new Error('expected a Workflow');
    // Objects a run would have written, more than one listing page would hold is not needed to prove pagination here.
    const extra = [`workflows/${workflow.id}/crop_to_content/cropped.png`, `workflows/${workflow.id}/media/final.mp4`];
    for (const key of extra) await app.storage.put(key, 'x', 'application/octet-stream');

    const response = await app.gql(DeleteWorkflow, { id: workflow.id }, { key: apiKey });
    const result = response.data?.deleteWorkflow;
    if (result?.__typename !== 'DeleteWorkflowPayload') throw new Error(`expected a payload, got ${JSON.stringify(response)}`);
    expect(result.workflow).toMatchObject({ id: workflow.id, title: 'From an upload', source: { key: workflow.source!.key } });
    expect(result.workflow.completions).toHaveLength(5);
    expect([...result.deletedObjects].sort()).toEqual([workflow.source!.key, ...extra].sort());
    expect(await app.listObjects(`workflows/${workflow.id}/`)).toEqual([]);
    for (const table of ['completions', 'media_files', 'jobs'] as const) {
      const rows = await app.db.selectFrom(table).select('workflow_id').where('workflow_id', '=', workflow.id).execute();
      expect(rows).toEqual([]);
    }
    expect((await app.gql(GetWorkflow, { id: workflow.id }, { key: apiKey })).data?.workflow.__typename).toBe('NotFoundError');
    expect((await app.gql(Me, {}, { key: apiKey })).data?.me.credits).toBe(5);
    expect(await app.services.credits.ledgerSum(customerId)).toBe(5);

    const twice = await app.gql(DeleteWorkflow, { id: workflow.id }, { key: apiKey });
    expect(twice.data?.deleteWorkflow).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });

  test('deletes more objects than one listing page holds', async () => {
    const { apiKey } = await app.createCustomer(5);
    const created = await app.gql(
      CreateWorkflow,
      { input },
      { key: apiKey, files: [{ path: 'input.source', bytes: png, filename: 'a.png', contentType: 'image/png' }] },
    );
    const workflow = created.data?.createWorkflow;
    if (workflow?.__typename !== 'Workflow') throw new Error('expected a Workflow');
    const keys = Array.from({ length: 1005 }, (_, i) => `workflows/${workflow.id}/create_media/frame-${String(i).padStart(4, '0')}.png`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => app.storage.put(key, 'x', 'image/png')));
    }
    const response = await app.gql(DeleteWorkflow, { id: workflow.id }, { key: apiKey });
    const result = response.data?.deleteWorkflow;
    if (result?.__typename !== 'DeleteWorkflowPayload') throw new Error(`expected a payload, got ${JSON.stringify(response)}`);
    expect(result.deletedObjects).toHaveLength(1006);
    expect(await app.listObjects(`workflows/${workflow.id}/`)).toEqual([]);
  });

  test("another customer's workflow, an unknown one and a malformed id leave everything in place", async () => {
    const owner = await app.createCustomer(5);
    const stranger = await app.createCustomer(5);
    const created = await app.gql(
      CreateWorkflow,
      { input },
      { key: owner.apiKey, files: [{ path: 'input.source', bytes: png, filename: 'a.png', contentType: 'image/png' }] },
    );
    const workflow = created.data?.createWorkflow;
    if (workflow?.__typename !== 'Workflow') throw new Error('expected a Workflow');
    const foreign = await app.gql(DeleteWorkflow, { id: workflow.id }, { key: stranger.apiKey });
    const unknown = await app.gql(DeleteWorkflow, { id: '00000000-0000-4000-8000-000000000000' }, { key: stranger.apiKey });
    const malformed = await app.gql(DeleteWorkflow, { id: 'abc' }, { key: stranger.apiKey });
    expect(foreign.data?.deleteWorkflow).toMatchObject({ __typename: 'NotFoundError' });
    expect(unknown.data?.deleteWorkflow).toMatchObject({ __typename: 'NotFoundError' });
    expect(malformed.data?.deleteWorkflow).toMatchObject({ __typename: 'ValidationError' });
    expect(await app.listObjects(`workflows/${workflow.id}/`)).toHaveLength(1);
    expect((await app.gql(GetWorkflow, { id: workflow.id }, { key: owner.apiKey })).data?.workflow.__typename).toBe('Workflow');
  });
});

describe('uploads the sweep removes', () => {
  test('a used one once its URL expired (bytes PUT again after use go with it), an unused one a day later; recent ones stay', async () => {
    let now = new Date('2026-05-01T12:00:00Z');
    const timed = await startTestApp({ clock: () => now });
    try {
      const { apiKey, customerId } = await timed.createCustomer(5);
      const upload = async () => {
        const response = await timed.gql(
          CreateUpload,
          { input: { filename: 'a.png', contentType: 'image/png', size: png.length } },
          { key: apiKey },
        );
        const created = response.data?.createUpload;
        if (created?.__typename !== 'Upload') throw new Error('expected an Upload');
        await put(created, png);
        return created;
      };
      const abandoned = await upload();
      const used = await upload();
      const made = await timed.gql(CreateWorkflow, { input: { ...input, uploadId: used.id } }, { key: apiKey });
      expect(made.data?.createWorkflow.__typename).toBe('Workflow');
      // The URL still lives after its use: a client can PUT to it again.
      await put(used, png);
      expect((await timed.listObjects(`uploads/${customerId}/`)).some((key) => key.includes(used.id))).toBe(true);

      // The URLs expired at 13:00 on the first day: the used upload goes, bytes and row.
      now = new Date('2026-05-01T13:01:00Z');
      expect(await timed.services.uploads.sweepUnused()).toBe(1);
      expect((await timed.listObjects(`uploads/${customerId}/`)).some((key) => key.includes(used.id))).toBe(false);

      // A day later still, an unused upload is kept for a slow client.
      now = new Date('2026-05-02T12:59:00Z');
      expect(await timed.services.uploads.sweepUnused()).toBe(0);
      const recent = await upload();

      now = new Date('2026-05-02T13:01:00Z');
      expect(await timed.services.uploads.sweepUnused()).toBe(1);
      const rows = await timed.db.selectFrom('uploads').select('id').execute();
      expect(rows.map((r) => r.id)).toEqual([recent.id]);
      const left = await timed.listObjects(`uploads/${customerId}/`);
      expect(left).toHaveLength(1);
      expect(left[0]).toContain(recent.id);
      expect(left.some((key) => key.includes(abandoned.id))).toBe(false);
    } finally {
      await timed.stop();
    }
  });

  test('a customer holds at most MAX_PENDING_UPLOADS unused uploads; the next is RATE_LIMITED and writes nothing', async () => {
    const capped = await startTestApp({ limits: { maxPendingUploads: 3 } });
    try {
      const { apiKey } = await capped.createCustomer(5);
      const create = () =>
        capped.gql(CreateUpload, { input: { filename: 'a.png', contentType: 'image/png', size: png.length } }, { key: apiKey });
      for (let i = 0; i < 3; i += 1) expect((await create()).data?.createUpload.__typename).toBe('Upload');
      const fourth = await create();
      expect(fourth.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
      expect(await countRows(capped.db, 'uploads')).toBe(3);
    } finally {
      await capped.stop();
    }
  });

  test('the URL signs the announced size and type', async () => {
    const { apiKey } = await app.createCustomer(1);
    const upload = await createUpload(apiKey);
    const signed = new URL(upload.url).searchParams.get('X-Amz-SignedHeaders')?.split(';') ?? [];
    expect(signed).toEqual(expect.arrayContaining(['content-length', 'content-type']));
  });
});
