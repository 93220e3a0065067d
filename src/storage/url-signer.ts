import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { escapeUri } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { LRUCache } from 'lru-cache';

/** Where the bucket's objects live, as the SDK's endpoint rules resolve it (path or virtual-host style). */
interface BucketEndpoint {
  origin: string;
  protocol: string;
  hostname: string;
  port: number | undefined;
  /** The Host header S3 checks the signature against. */
  host: string;
  /** The path before the key: "/bucket" in path style, "" in virtual-host style. */
  basePath: string;
  signingRegion: string | undefined;
  signingService: string;
}

export interface SignOptions {
  expiresInSeconds: number;
  /**
   * Signs exactly at this time, for exactly expiresInSeconds (tests pin it to compare with the
   * SDK's own presigner). Without it a GET URL is signed at the start of a short shared window
   * and may come from the cache: see `signGet`.
   */
  signingDate?: Date;
}

/** The longest X-Amz-Expires S3 accepts (7 days). */
const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;
/** The longest shared signing window, and the share of the asked lifetime a window may take. */
const MAX_WINDOW_SECONDS = 300;
const WINDOW_SHARE_OF_LIFETIME = 12;
/** Distinct (key, lifetime) pairs whose URL is kept; a page of 100 workflows signs 100. */
const CACHED_URLS = 10_000;

/**
 * Presigns GET and PUT URLs with SigV4 directly: the same URL the SDK's `getSignedUrl` builds
 * (same endpoint rules, key encoding and query parameters), without running a whole command's
 * middleware stack for each one. The bucket's endpoint is resolved once; the credentials come
 * from the client's own (memoised) provider and the signing key is cached per day by the signer.
 */
export class UrlSigner {
  private endpoint: Promise<BucketEndpoint> | undefined;
  private readonly signer: SignatureV4;
  private readonly signedGets = new LRUCache<string, { windowStart: number; url: string }>({ max: CACHED_URLS });

  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly now: () => number;
  constructor(
    client: S3Client,
    bucket: string,
    /** Milliseconds since the epoch; tests move it. */
    now: () => number = Date.now,
  ) {
    this.client = client;
    this.bucket = bucket;
    this.now = now;
    const { credentials, region, sha256 } = client.config;
    // Presigned S3 paths are encoded once, key segment by segment, exactly as the SDK does.
    this.signer = new SignatureV4({ credentials, region, sha256, service: 's3', uriEscapePath: false, applyChecksum: false });
  }

  /**
   * Without a signingDate, the URL is signed at the start of the current window (at most 5
   * minutes, at most a twelfth of the asked lifetime) and lives the window longer than asked, so
   * it is valid for at least `expiresInSeconds` from now and at most a window more. Every read of
   * the same key within a window gets the same URL: signed once and then served from a cache
   * (signing was the largest share of a page's CPU), and a browser can cache the download too.
   */
  signGet(key: string, options: SignOptions): Promise<string> {
    const { expiresInSeconds, signingDate } = options;
    const windowMs = sharedWindowSeconds(expiresInSeconds) * 1000;
    if (signingDate || windowMs === 0) return this.sign('GET', 'GetObject', key, {}, undefined, options);
    const windowStart = this.windowStart(windowMs);
    const cacheKey = `${expiresInSeconds} ${key}`;
    const cached = this.signedGets.get(cacheKey);
    if (cached?.windowStart === windowStart) return Promise.resolve(cached.url);
    const lifetime = { expiresInSeconds: expiresInSeconds + windowMs / 1000, signingDate: new Date(windowStart) };
    return this.sign('GET', 'GetObject', key, {}, undefined, lifetime).then((url) => {
      this.signedGets.set(cacheKey, { windowStart, url });
      return url;
    });
  }

  /** What signGet without a signingDate would answer now, when it is already in the cache. */
  cachedGet(key: string, expiresInSeconds: number): string | undefined {
    const windowMs = sharedWindowSeconds(expiresInSeconds) * 1000;
    if (windowMs === 0) return undefined;
    const cached = this.signedGets.get(`${expiresInSeconds} ${key}`);
    return cached?.windowStart === this.windowStart(windowMs) ? cached.url : undefined;
  }

  private windowStart(windowMs: number): number {
    const now = this.now();
    return now - (now % windowMs);
  }

  /** The Content-Type and Content-Length are signed: S3 refuses a body of another type or size. */
  signPut(key: string, contentType: string, size: number, options: SignOptions): Promise<string> {
    const headers = { 'content-type': contentType, 'content-length': String(size) };
    return this.sign('PUT', 'PutObject', key, headers, new Set(['content-type', 'content-length']), options);
  }

  private async sign(
    method: string,
    operation: string,
    key: string,
    headers: Record<string, string>,
    signableHeaders: Set<string> | undefined,
    { expiresInSeconds, signingDate }: SignOptions,
  ): Promise<string> {
    const endpoint = await this.bucketEndpoint();
    const signed = await this.signer.presign(
      {
        method,
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: endpoint.port,
        path: `${endpoint.basePath}/${key.split('/').map(escapeUri).join('/')}`,
        query: { 'x-id': operation },
        // What the SDK's presigner sends: the payload is not part of a presigned URL's signature.
        headers: { ...headers, host: endpoint.host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      },
      {
        expiresIn: expiresInSeconds,
        signingDate,
        signingRegion: endpoint.signingRegion,
        signingService: endpoint.signingService,
        unsignableHeaders: new Set(['content-type']),
        signableHeaders,
      },
    );
    return `${endpoint.origin}${signed.path}?${queryString(signed.query ?? {})}`;
  }

  private bucketEndpoint(): Promise<BucketEndpoint> {
    this.endpoint ??= resolveBucketEndpoint(this.client, this.bucket).catch((error: unknown) => {
      this.endpoint = undefined;
      throw error;
    });
    return this.endpoint;
  }
}

/** The shared signing window of a lifetime; 0 when the lifetime plus a window would pass S3's limit. */
function sharedWindowSeconds(expiresInSeconds: number): number {
  const window = Math.min(MAX_WINDOW_SECONDS, Math.floor(expiresInSeconds / WINDOW_SHARE_OF_LIFETIME));
  return window >= 1 && expiresInSeconds + window <= MAX_PRESIGNED_SECONDS ? window : 0;
}

async function resolveBucketEndpoint(client: S3Client, bucket: string): Promise<BucketEndpoint> {
  // The endpoint depends on the bucket only, never on the key: resolved once with any key.
  const resolved = await getEndpointFromInstructions(
    { Bucket: bucket, Key: 'key' },
    GetObjectCommand as unknown as Parameters<typeof getEndpointFromInstructions>[1],
    client.config as unknown as Parameters<typeof getEndpointFromInstructions>[2],
  );
  const url = resolved.url;
  const scheme = resolved.properties?.['authSchemes'] as Array<{ signingName?: string; signingRegion?: string }> | undefined;
  const port = url.port === '' ? undefined : Number(url.port);
  return {
    origin: url.origin,
    protocol: url.protocol,
    hostname: url.hostname,
    port,
    host: port === undefined ? url.hostname : `${url.hostname}:${port}`,
    basePath: url.pathname.replace(/\/$/, ''),
    signingRegion: scheme?.[0]?.signingRegion,
    signingService: scheme?.[0]?.signingName ?? 's3',
  };
}

/** Sorted and escaped as the SDK formats a presigned URL's query. */
function queryString(query: Record<string, string | Array<string | null> | null>): string {
  return Object.keys(query)
    .sort()
    .map((name) => `${escapeUri(name)}=${escapeUri(String(query[name] ?? ''))}`)
    .join('&');
}
