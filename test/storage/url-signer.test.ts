import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { clientFor, Storage, type StorageSettings } from '../../src/storage/s3.ts';
import { UrlSigner } from '../../src/storage/url-signer.ts';

// The signer replaces the SDK's getSignedUrl on the read path. The test S3 server checks no
// signatures, so the URLs are compared with the SDK's for the same inputs and signing time
// (a real S3 server computes the same signature the SDK does), and used against the server
// to show they reach the right object.

const KEYS = ['workflows/1/create-media/out.png', "uploads/a b/ü (1)!*'~.png", 'plain'];
const signingDate = new Date('2026-11-30T10:11:12Z');

const base: StorageSettings = {
  endpoint: undefined,
  region: 'eu-west-3',
  bucket: 'media-bucket',
  forcePathStyle: false,
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

const settingsCases: Array<[string, StorageSettings]> = [
  ['path style on a local server', { ...base, endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }],
  ['virtual-host style on a custom endpoint with a port and a path', { ...base, endpoint: 'https://files.example.com:8443/s3' }],
  ['AWS, no endpoint', base],
];

describe.each(settingsCases)('the same URL as the SDK: %s', (_name, settings) => {
  const client = clientFor(settings, settings.endpoint);
  const signer = new UrlSigner(client, settings.bucket);
  afterAll(() => client.destroy());

  test.each(KEYS)('GET %s', async (key) => {
    const ours = await signer.signGet(key, { expiresInSeconds: 3600, signingDate });
    const sdk = await getSignedUrl(client, new GetObjectCommand({ Bucket: settings.bucket, Key: key }), { expiresIn: 3600, signingDate });
    expect(ours).toBe(sdk);
    expect(new URL(ours).searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(new URL(ours).searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  });

  test.each(KEYS)('PUT %s, its type and size signed', async (key) => {
    const ours = await signer.signPut(key, 'image/png', 12_345, { expiresInSeconds: 900, signingDate });
    const sdk = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: settings.bucket, Key: key, ContentType: 'image/png', ContentLength: 12_345 }),
      { expiresIn: 900, signingDate, signableHeaders: new Set(['content-type', 'content-length']) },
    );
    expect(ours).toBe(sdk);
    expect(new URL(ours).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
  });
});

test('a signature differs with the key, the expiry and the signing time', async () => {
  const client = clientFor(base, undefined);
  const signer = new UrlSigner(client, base.bucket);
  const signature = async (key: string, expiresInSeconds: number, date: Date) =>
    new URL(await signer.signGet(key, { expiresInSeconds, signingDate: date })).searchParams.get('X-Amz-Signature');
  const first = await signature('a', 60, signingDate);
  expect(first).toMatch(/^[0-9a-f]{64}$/);
  expect(await signature('b', 60, signingDate)).not.toBe(first);
  expect(await signature('a', 61, signingDate)).not.toBe(first);
  expect(await signature('a', 60, new Date(signingDate.getTime() + 1000))).not.toBe(first);
  client.destroy();
});

test('temporary credentials: the session token is part of the URL, as the SDK puts it', async () => {
  const withToken = new S3Client({
    region: base.region,
    endpoint: 'http://127.0.0.1:9000',
    forcePathStyle: true,
    credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'the-session-token' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const ours = await new UrlSigner(withToken, 'b1').signGet('k', { expiresInSeconds: 60, signingDate });
  const sdk = await getSignedUrl(withToken, new GetObjectCommand({ Bucket: 'b1', Key: 'k' }), { expiresIn: 60, signingDate });
  expect(ours).toBe(sdk);
  expect(new URL(ours).searchParams.get('X-Amz-Security-Token')).toBe('the-session-token');
  withToken.destroy();
});

describe('a GET URL signed without a signing date', () => {
  const client = clientFor(base, undefined);
  afterAll(() => client.destroy());
  // 10:11:12 is 132 s into a 5-minute window (10:10:00 to 10:15:00).
  const windowStart = Date.parse('2026-11-30T10:10:00Z');
  const validUntil = (url: string) => {
    const params = new URL(url).searchParams;
    const date = params.get('X-Amz-Date')!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
    return Date.parse(date) + Number(params.get('X-Amz-Expires')) * 1000;
  };

  test('is the same URL all through its window, valid at least as long as asked and at most a window more', async () => {
    let now = windowStart;
    const signer = new UrlSigner(client, base.bucket, () => now);
    const first = await signer.signGet('workflows/w/out.png', { expiresInSeconds: 3600 });
    expect(new URL(first).searchParams.get('X-Amz-Date')).toBe('20261130T101000Z');
    for (const offset of [0, 1, 132_000, 299_999]) {
      now = windowStart + offset;
      const url = await signer.signGet('workflows/w/out.png', { expiresInSeconds: 3600 });
      expect(url).toBe(first);
      expect(validUntil(url)).toBeGreaterThanOrEqual(now + 3600_000);
      expect(validUntil(url)).toBeLessThanOrEqual(now + 3600_000 + 300_000);
    }
    // The signature is the SDK's for that signing time and lifetime: a real S3 server accepts it.
    const sdk = await getSignedUrl(client, new GetObjectCommand({ Bucket: base.bucket, Key: 'workflows/w/out.png' }), {
      expiresIn: 3900,
      signingDate: new Date(windowStart),
    });
    expect(first).toBe(sdk);
    now = windowStart + 300_000;
    const next = await signer.signGet('workflows/w/out.png', { expiresInSeconds: 3600 });
    expect(next).not.toBe(first);
    expect(new URL(next).searchParams.get('X-Amz-Date')).toBe('20261130T101500Z');
    expect(validUntil(next)).toBeGreaterThanOrEqual(now + 3600_000);
  });

  test('cachedGet hands back what signGet signed in this window, and nothing before or after', async () => {
    let now = windowStart + 1000;
    const signer = new UrlSigner(client, base.bucket, () => now);
    expect(signer.cachedGet('k', 3600)).toBeUndefined();
    const url = await signer.signGet('k', { expiresInSeconds: 3600 });
    expect(signer.cachedGet('k', 3600)).toBe(url);
    expect(signer.cachedGet('k', 600)).toBeUndefined();
    now = windowStart + 300_000;
    expect(signer.cachedGet('k', 3600)).toBeUndefined();
  });

  test('a short lifetime gets a window of a twelfth of it; another key or lifetime another URL', async () => {
    let now = Date.parse('2026-11-30T10:11:12Z');
    const signer = new UrlSigner(client, base.bucket, () => now);
    const url = await signer.signGet('a', { expiresInSeconds: 60 });
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('65');
    expect(validUntil(url)).toBeGreaterThanOrEqual(now + 60_000);
    now += 2999;
    expect(await signer.signGet('a', { expiresInSeconds: 60 })).toBe(url);
    expect(validUntil(url)).toBeGreaterThanOrEqual(now + 60_000);
    expect(await signer.signGet('b', { expiresInSeconds: 60 })).not.toBe(url);
    expect(await signer.signGet('a', { expiresInSeconds: 61 })).not.toBe(url);
  });

  test('too short a lifetime for a window, or too long for one more (S3 takes 7 days at most): signed now, for exactly the time asked', async () => {
    const now = Date.parse('2026-11-30T10:11:12.345Z');
    const signer = new UrlSigner(client, base.bucket, () => now);
    for (const expiresInSeconds of [5, 7 * 24 * 3600]) {
      const params = new URL(await signer.signGet('a', { expiresInSeconds })).searchParams;
      expect(params.get('X-Amz-Expires')).toBe(String(expiresInSeconds));
    }
  });
});

describe('against the test S3 server', () => {
  let storage: Storage;
  let settings: StorageSettings;

  beforeAll(async () => {
    settings = {
      endpoint: inject('s3Endpoint'),
      region: 'us-east-1',
      bucket: `fw-signer-${randomBytes(6).toString('hex')}`,
      forcePathStyle: true,
      accessKeyId: inject('s3AccessKeyId'),
      secretAccessKey: inject('s3SecretAccessKey'),
    };
    storage = new Storage(settings);
    await storage.ensureBucket();
  });

  afterAll(async () => {
    await storage.deletePrefix('');
    storage.destroy();
  });

  test('a signed GET URL downloads the object', async () => {
    const bytes = randomBytes(2048);
    await storage.put('workflows/w1/create-media/out (1).png', bytes, 'image/png');
    const response = await fetch(await storage.signGetUrl('workflows/w1/create-media/out (1).png', 600));
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  test('a GET URL served from the cache still downloads the object', async () => {
    const bytes = randomBytes(1024);
    const key = 'workflows/w2/create-media/out.png';
    await storage.put(key, bytes, 'image/png');
    const client = clientFor(settings, settings.endpoint);
    // At the start of a sharing window (a twelfth of 600 s): a second later is in the same window.
    // From Date.now() itself the second call fell into the next window once in fifty runs.
    let now = Date.now();
    now -= now % 50_000;
    const signer = new UrlSigner(client, settings.bucket, () => now);
    const signed = await signer.signGet(key, { expiresInSeconds: 600 });
    now += 1000;
    const cached = await signer.signGet(key, { expiresInSeconds: 600 });
    expect(cached).toBe(signed);
    const response = await fetch(cached);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
    client.destroy();
  });

  test('a signed upload URL stores the body under its key, with its type', async () => {
    const bytes = randomBytes(4096);
    const url = await storage.signPutUrl('uploads/u1/source image.webp', 'image/webp', bytes.length, 600);
    const response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'image/webp', 'content-length': String(bytes.length) },
      body: bytes,
    });
    expect(response.status).toBe(200);
    expect(await storage.head('uploads/u1/source image.webp')).toEqual({ size: bytes.length, contentType: 'image/webp' });
    expect(await storage.get('uploads/u1/source image.webp')).toEqual(bytes);
  });

  // get fills one Buffer of the Content-Length as chunks arrive: many chunks, and none at all.
  test.each([
    ['of many chunks', 3 * 1024 * 1024 + 17],
    ['empty', 0],
  ])('get returns an object %s byte for byte', async (_name, size) => {
    const bytes = randomBytes(size);
    await storage.put(`inputs/${size}.bin`, bytes, 'application/octet-stream');
    const got = await storage.get(`inputs/${size}.bin`);
    expect(got.length).toBe(size);
    expect(got.equals(bytes)).toBe(true);
  });
});
