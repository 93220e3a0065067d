import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { Storage, type StorageSettings } from '../../src/storage/s3.ts';

// Clients may reach the bucket by another name than the service does (another host, a proxy).
// Here the run's real S3 server is reached as 127.0.0.1 by the service and as localhost by clients.
let settings: StorageSettings;
let publicEndpoint: string;
const storages: Storage[] = [];

beforeAll(async () => {
  const endpoint = inject('s3Endpoint');
  publicEndpoint = endpoint.replace('127.0.0.1', 'localhost');
  settings = {
    endpoint,
    region: 'us-east-1',
    bucket: `fw-public-${randomBytes(6).toString('hex')}`,
    forcePathStyle: true,
    accessKeyId: inject('s3AccessKeyId'),
    secretAccessKey: inject('s3SecretAccessKey'),
  };
  const storage = new Storage(settings);
  storages.push(storage);
  await storage.ensureBucket();
  await storage.put('hello.txt', 'hello', 'text/plain');
});

afterAll(async () => {
  await storages[0]?.deletePrefix('');
  for (const storage of storages) storage.destroy();
});

test('presigned download and upload URLs carry S3_PUBLIC_ENDPOINT and work there', async () => {
  const storage = new Storage({ ...settings, publicEndpoint });
  storages.push(storage);

  const getUrl = new URL(await storage.signGetUrl('hello.txt', 600));
  const putUrl = new URL(await storage.signPutUrl('uploaded.txt', 'text/plain', 8, 600));

  expect(getUrl.origin).toBe(new URL(publicEndpoint).origin);
  expect(putUrl.origin).toBe(new URL(publicEndpoint).origin);
  // The host is part of the signature: the server accepts them under the public name.
  expect(await (await fetch(getUrl)).text()).toBe('hello');
  const put = await fetch(putUrl, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'uploaded' });
  expect(put.status).toBe(200);
  expect((await storage.get('uploaded.txt')).toString()).toBe('uploaded');
});

test('without S3_PUBLIC_ENDPOINT the URLs carry the endpoint in use', async () => {
  const url = new URL(await storages[0]!.signGetUrl('hello.txt', 600));
  expect(url.origin).toBe(new URL(settings.endpoint!).origin);
});

test('S3_PUBLIC_ENDPOINT is read with the other settings and must be a URL', () => {
  expect(loadConfig({ S3_PUBLIC_ENDPOINT: 'https://files.example.com' }).s3.publicEndpoint).toBe('https://files.example.com');
  expect(loadConfig({}).s3.publicEndpoint).toBeUndefined();
  expect(() => loadConfig({ S3_PUBLIC_ENDPOINT: 'files' })).toThrow(ConfigError);
});
