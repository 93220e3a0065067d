import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { escapeUri } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';

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
  /** Default now; tests pin it to compare with the SDK's own presigner. */
  signingDate?: Date;
}

/**
 * Presigns GET and PUT URLs with SigV4 directly: the same URL the SDK's `getSignedUrl` builds
 * (same endpoint rules, key encoding and query parameters), without running a whole command's
 * middleware stack for each one. The bucket's endpoint is resolved once; the credentials come
 * from the client's own (memoised) provider and the signing key is cached per day by the signer.
 */
export class UrlSigner {
  private endpoint: Promise<BucketEndpoint> | undefined;
  private readonly signer: SignatureV4;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {
    const { credentials, region, sha256 } = client.config;
    // Presigned S3 paths are encoded once, key segment by segment, exactly as the SDK does.
    this.signer = new SignatureV4({ credentials, region, sha256, service: 's3', uriEscapePath: false, applyChecksum: false });
  }

  signGet(key: string, options: SignOptions): Promise<string> {
    return this.sign('GET', 'GetObject', key, {}, undefined, options);
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
