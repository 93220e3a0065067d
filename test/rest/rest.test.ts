import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import { CreateUpload, Me } from '../operations.ts';
import { rest } from './rest-client.ts';

const WORKFLOW_KEYS = [
  'id',
  'title',
  'description',
  'visibility_status',
  'model',
  'options',
  'primary_user_id',
  'customer_id',
  'processing_status',
  'progress_percentage',
  'completions',
  'result',
  'media_result',
  'created_at',
  'updated_at',
].sort();

let app: TestApp;
let png: Buffer;
beforeAll(async () => {
  // A small body limit, so a body over it is cheap to send.
  app = await startTestApp({ limits: { maxRequestBytes: 512 * 1024 } });
  png = await pngWithTransparentBorder(240, 120);
});
afterAll(() => app?.stop());

function imageForm(fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.set('title', 'My Animated Video');
  form.set('description', 'Animated overlay video with background');
  form.set('visibility_status', '1');
  form.set('model', 'vim_new_year_2026');
  form.set('options[aspect_ratio]', '16:9');
  form.set('options[pipeline_mode]', 'image');
  form.set('primary_user_id', 'user@example.com');
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  form.set('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'photo.png');
  return form;
}

const jsonCreate = { title: 'From JSON', model: 'vim_new_year_2026', primary_user_id: 'user-7' };

async function uploadFor(key: string): Promise<string> {
  const response = await app.gql(CreateUpload, { input: { filename: 'photo.png', contentType: 'image/png', size: png.length } }, { key });
  const upload = response.data?.createUpload;
  if (upload?.__typename !== 'Upload') throw new Error(`expected an Upload, got ${JSON.stringify(response)}`);
  const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers as Record<string, string>, body: new Uint8Array(png) });
  expect(put.status).toBe(200);
  return upload.id;
}

async function waitForEnd(id: string, key: string) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { body } = await rest(app, 'GET', `/v1/workflows/${id}`, { key, template: '/v1/workflows/{id}' });
    if (['success', 'failed', 'canceled'].includes(body.data.processing_status)) return body.data;
    if (Date.now() > deadline) throw new Error(`workflow ${id} did not end: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('POST /v1/workflows', () => {
  test('multipart with a real image: 201, then the run ends success, read over REST in the contract formats', async () => {
    const { apiKey, customerId } = await app.createCustomer(10);
    // The contract's own example: a video run, five flows.
    const created = await rest(app, 'POST', '/v1/workflows', { key: apiKey, form: imageForm({ 'options[pipeline_mode]': 'video' }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Object.keys(created.body.data).sort()).toEqual(WORKFLOW_KEYS);
    expect(created.body.data).toMatchObject({
      title: 'My Animated Video',
      visibility_status: '1',
      options: { aspect_ratio: '16:9', pipeline_mode: 'video' },
      primary_user_id: 'user@example.com',
      customer_id: customerId,
      processing_status: 'queued',
      progress_percentage: 0,
      result: [],
      media_result: [],
    });

    app.startWorker();
    const done = await waitForEnd(created.body.data.id, apiKey);
    expect(Object.keys(done).sort()).toEqual(WORKFLOW_KEYS);
    expect(done.processing_status).toBe('success');
    expect(done.progress_percentage).toBe(100);
    expect(done.completions.map((c: { flow: string }) => c.flow)).toEqual([
      'crop_to_content',
      'replace_alpha_with_gray',
      'upscale',
      'create_media',
      'video_overlay',
    ]);
    for (const completion of done.completions) expect(completion.result.length).toBeGreaterThan(0);
    expect(done.result).toHaveLength(1);
    expect(done.media_result).toHaveLength(1);
    expect(done.media_result[0].updated_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$/);
    expect(done.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    const media = await fetch(done.result[0]);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('video/mp4');
    expect(Number(media.headers.get('content-length'))).toBe(done.media_result[0].size);

    // Another customer may read a PUBLIC workflow, without its owner's fields.
    const other = await app.createCustomer(0);
    const seen = await rest(app, 'GET', `/v1/workflows/${done.id}`, { key: other.apiKey, template: '/v1/workflows/{id}' });
    expect(seen.status).toBe(200);
    expect(seen.body.data).toMatchObject({ primary_user_id: null, customer_id: null, completions: expect.any(Array) });
    expect(seen.body.data.completions.every((c: { result: string[] }) => c.result.length === 0)).toBe(true);
  });

  test('JSON with an upload_id, and the Idempotency-Key header charges once', async () => {
    const { apiKey } = await app.createCustomer(20);
    const uploadId = await uploadFor(apiKey);
    const headers = { 'idempotency-key': 'order-42' };
    const first = await rest(app, 'POST', '/v1/workflows', { key: apiKey, json: { ...jsonCreate, upload_id: uploadId }, headers });
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ title: 'From JSON', visibility_status: '0', options: { pipeline_mode: 'video' } });
    const again = await rest(app, 'POST', '/v1/workflows', { key: apiKey, json: { ...jsonCreate, upload_id: uploadId }, headers });
    expect(again.status).toBe(201);
    expect(again.body.data.id).toBe(first.body.data.id);
    expect((await app.gql(Me, {}, { key: apiKey })).data?.me.credits).toBe(15);
  });

  test('each refusal has its status and code', async () => {
    const broke = await app.createCustomer(0);
    const noCredit = await rest(app, 'POST', '/v1/workflows', { key: broke.apiKey, form: imageForm() });
    expect(noCredit.status).toBe(402);
    expect(noCredit.body.error.code).toBe('insufficient_credit');
    expect(noCredit.body.error.details).toEqual([
      { field: 'required', message: '1' },
      { field: 'available', message: '0' },
    ]);

    const { apiKey } = await app.createCustomer(10);
    const badField = await rest(app, 'POST', '/v1/workflows', {
      key: apiKey,
      form: imageForm({ visibility_status: '2' }),
      invalidRequest: true,
    });
    expect(badField.status).toBe(422);
    expect(badField.body.error).toMatchObject({ code: 'validation_error', details: [{ field: 'visibility_status' }] });
    const badRatio = await rest(app, 'POST', '/v1/workflows', { key: apiKey, form: imageForm({ 'options[aspect_ratio]': '7:3' }) });
    expect(badRatio.status).toBe(422);
    expect(badRatio.body.error.details).toEqual([{ field: 'options.aspect_ratio', message: expect.stringContaining('16:9') }]);
    const badModel = await rest(app, 'POST', '/v1/workflows', { key: apiKey, json: { ...jsonCreate, model: 'nope', upload_id: 'x' } });
    expect(badModel.status).toBe(422);
    expect(badModel.body.error.details).toEqual([{ field: 'model', message: 'is not a model' }]);

    const nul = await rest(app, 'POST', '/v1/workflows', { key: apiKey, json: { ...jsonCreate, title: 'a\u0000b', upload_id: 'x' } });
    expect(nul.status).toBe(422);
    expect(nul.body.error.details).toEqual([{ field: 'title', message: expect.stringContaining('NUL') }]);
    const longKey = await rest(app, 'POST', '/v1/workflows', {
      key: apiKey,
      form: imageForm(),
      headers: { 'idempotency-key': 'k'.repeat(256) },
    });
    expect(longKey.status).toBe(422);
    expect(longKey.body.error.details).toEqual([{ field: 'Idempotency-Key', message: 'must be at most 255 characters' }]);

    const noKey = await rest(app, 'POST', '/v1/workflows', { form: imageForm() });
    expect(noKey.status).toBe(401);
    expect(noKey.body.error.code).toBe('unauthenticated');
    const badKey = await rest(app, 'GET', '/v1/workflows', { key: 'not-a-key' });
    expect(badKey.status).toBe(401);

    const notJson = await fetch(`${app.url.replace(/\/graphql$/, '')}/v1/workflows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: '{"title":',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('bad_request');

    const tooLarge = await rest(app, 'POST', '/v1/error-logs', { key: apiKey, json: { message: 'x'.repeat(600 * 1024) } });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('payload_too_large');
    // Chunked, no Content-Length: counted as it streams.
    const chunks = [new TextEncoder().encode('{"message":"'), new Uint8Array(600 * 1024).fill(120), new TextEncoder().encode('"}')];
    const streamed = await fetch(`${app.url.replace(/\/graphql$/, '')}/v1/error-logs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        pull(controller) {
          const chunk = chunks.shift();
          if (chunk) controller.enqueue(chunk);
          else controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });
});

describe('one workflow', () => {
  let owner: { apiKey: string; customerId: string };
  let id: string;
  beforeAll(async () => {
    owner = await app.createCustomer(20);
    const created = await rest(app, 'POST', '/v1/workflows', { key: owner.apiKey, form: imageForm({ visibility_status: '0' }) });
    id = created.body.data.id;
  });
  const at = (workflowId: string) => ({ path: `/v1/workflows/${workflowId}`, template: '/v1/workflows/{id}' });

  test("another customer's id is 404, as is one that is no UUID", async () => {
    const other = await app.createCustomer(5);
    const { path, template } = at(id);
    for (const method of ['GET', 'DELETE']) {
      const answer = await rest(app, method, path, { key: other.apiKey, template });
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    }
    const patched = await rest(app, 'PATCH', path, { key: other.apiKey, template, json: { title: 'mine now' } });
    expect(patched.status).toBe(404);
    expect((await rest(app, 'GET', at('nope').path, { key: owner.apiKey, template })).status).toBe(404);
    for (const malformed of ['%E0%A4%A', '%E0', '%']) {
      expect((await rest(app, 'GET', at(malformed).path, { key: owner.apiKey, template })).status).toBe(404);
    }
    const wrongMethod = await fetch(`${app.url.replace(/\/graphql$/, '')}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${owner.apiKey}` },
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, PATCH, DELETE');
  });

  test('PATCH changes the fields given; an empty one is 400; an unknown field 422', async () => {
    const { path, template } = at(id);
    const patched = await rest(app, 'PATCH', path, { key: owner.apiKey, template, json: { title: 'Renamed', visibility_status: '1' } });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ id, title: 'Renamed', visibility_status: '1' });
    const empty = await rest(app, 'PATCH', path, { key: owner.apiKey, template, json: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('bad_request');
    const tooLong = await rest(app, 'PATCH', path, { key: owner.apiKey, template, json: { title: 't'.repeat(201) } });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error.details).toEqual([{ field: 'title', message: 'must be at most 200 characters' }]);
  });

  test('GET /v1/workflows pages newest first with limit and cursor', async () => {
    const second = await rest(app, 'POST', '/v1/workflows', { key: owner.apiKey, form: imageForm() });
    const first = await rest(app, 'GET', '/v1/workflows?limit=1', { key: owner.apiKey });
    expect(first.status).toBe(200);
    expect(first.body.data.map((w: { id: string }) => w.id)).toEqual([second.body.data.id]);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const next = await rest(app, 'GET', `/v1/workflows?limit=1&cursor=${first.body.next_cursor}`, { key: owner.apiKey });
    expect(next.body).toMatchObject({ data: [{ id }], next_cursor: null });
    const outOfRange = await rest(app, 'GET', '/v1/workflows?limit=101', { key: owner.apiKey });
    expect(outOfRange.status).toBe(422);
    expect(outOfRange.body.error.details).toEqual([{ field: 'limit', message: 'must be between 1 and 100' }]);
    expect((await rest(app, 'GET', '/v1/workflows')).status).toBe(401);
  });

  test('DELETE answers the workflow as it was and removes its objects', async () => {
    const { path, template } = at(id);
    const deleted = await rest(app, 'DELETE', path, { key: owner.apiKey, template });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data.id).toBe(id);
    expect(await app.listObjects(`workflows/${id}/`)).toEqual([]);
    expect((await rest(app, 'GET', path, { key: owner.apiKey, template })).status).toBe(404);
  });
});

describe('POST /v1/error-logs', () => {
  test("answers the ISO week's log_path, and the line is in the bucket", async () => {
    const { apiKey, customerId } = await app.createCustomer(0);
    const logged = await rest(app, 'POST', '/v1/error-logs', {
      key: apiKey,
      json: { message: 'TypeError: x is undefined', level: 'error', script: 'app.js', context: { page: '/home' } },
    });
    expect(logged.status).toBe(201);
    expect(logged.body.data.message).toBe('Error logged successfully');
    expect(logged.body.data.log_path).toMatch(new RegExp(`^customer-error-logs/${customerId}/errors-\\d{4}-W\\d\\d\\.log$`));
    const lines = (await app.storage.get(logged.body.data.log_path)).toString('utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([{ message: 'TypeError: x is undefined', script: 'app.js' }]);

    const empty = await rest(app, 'POST', '/v1/error-logs', { key: apiKey, json: { message: '' } });
    expect(empty.status).toBe(400);
    const other = await app.createCustomer(0);
    const othersLog = await rest(app, 'POST', '/v1/error-logs', { key: apiKey, json: { message: 'm', customer_id: other.customerId } });
    expect(othersLog.status).toBe(422);
    expect(othersLog.body.error.details).toEqual([
      { field: 'customer_id', message: 'only the admin key may name a customer; leave it out' },
    ]);
  });
});

describe('CORS, on the GraphQL door terms', () => {
  test('a preflight is answered, and answers carry the allowed origin', async () => {
    const base = app.url.replace(/\/graphql$/, '');
    const preflight = await fetch(`${base}/v1/workflows`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'idempotency-key',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('idempotency-key');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');
    const refused = await rest(app, 'GET', '/v1/workflows', { headers: { origin: 'https://app.example' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
  });
});
