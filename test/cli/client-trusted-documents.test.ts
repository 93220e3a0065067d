import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FramewrightClient, FramewrightRequestError, type ProgressEvent } from '../../packages/client/src/index.ts';
import { graphql } from '../gql/index.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';

// The client sends operations by hash: against a service with TRUSTED_DOCUMENTS=require it
// submits, follows and downloads a run; a hash the service does not know falls back to the
// document where the service allows documents, and nowhere else.

const ModelIds = graphql(`
  query ClientTestModelIds {
    models {
      id
    }
  }
`);

/** The same document under a hash no service knows, as an app's newer build would send it. */
const withUnknownHash = { ...ModelIds, __meta__: { hash: `sha256:${'f'.repeat(64)}` } } as unknown as typeof ModelIds;

describe('TRUSTED_DOCUMENTS=require', () => {
  let app: TestApp;
  let client: FramewrightClient;
  let directory: string;

  beforeAll(async () => {
    app = await startTestApp({ http: { trustedDocuments: 'require' }, worker: { concurrency: 1 } });
    client = new FramewrightClient({ url: app.url, apiKey: (await app.createCustomer(50)).apiKey });
    directory = await mkdtemp(path.join(tmpdir(), 'fw-client-hashes-'));
  });
  afterAll(async () => {
    await app?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  test('submits an image, follows its progress over graphql-ws and downloads the result, all by hash', { timeout: 120_000 }, async () => {
    const created = await client.create(
      { bytes: await pngWithTransparentBorder(), filename: 'subject.png' },
      { title: 'By hash', model: 'vim_new_year_2026', primaryUserId: 'u1', options: { pipelineMode: 'IMAGE' } },
    );
    const events: ProgressEvent[] = [];
    for await (const event of client.watch(created.id)) events.push(event);
    expect(events.at(-1)).toMatchObject({ processingStatus: 'SUCCESS', progressPercentage: 100 });
    const [saved] = await client.download(created.id, directory);
    expect((await readFile(saved!)).subarray(1, 4).toString()).toBe('PNG');
  });

  test('an unknown hash is not retried as a document: PERSISTED_QUERY_ONLY', async () => {
    const refused = await client.request(withUnknownHash, {}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FramewrightRequestError);
    expect(refused).toMatchObject({ code: 'PERSISTED_QUERY_ONLY', status: 400 });
  });

  test('a client told to send documents is refused', async () => {
    const documents = new FramewrightClient({ url: app.url, byHash: false });
    await expect(documents.models()).rejects.toMatchObject({ code: 'PERSISTED_QUERY_ONLY' });
  });
});

describe('TRUSTED_DOCUMENTS=allow', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.stop());

  test('an unknown hash falls back to the document', async () => {
    const client = new FramewrightClient({ url: app.url });
    const answer = await client.request(withUnknownHash, {});
    expect(answer.models.length).toBeGreaterThan(0);
  });
});
