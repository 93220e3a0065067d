import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { inSpan, tracingOn } from '../tracing/tracing.ts';
import { UrlSigner } from './url-signer.ts';

export interface StorageSettings {
  endpoint: string | undefined;
  /**
   * The address put into URLs handed to clients (presigned GET and PUT), when they reach the
   * bucket by another name than this process does. Default: `endpoint`.
   */
  publicEndpoint?: string | undefined;
  region: string;
  bucket: string;
  forcePathStyle: boolean;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
}

export interface ObjectInfo {
  size: number;
  contentType: string | undefined;
}

/** The bucket, as the rest of the code sees it. Only this module and its URL signer import @aws-sdk. */
export class Storage {
  readonly bucket: string;
  private readonly client: S3Client;
  /** Signs URLs for clients. The host is part of an S3 signature, so it must be signed with the public one. */
  private readonly publicClient: S3Client;
  private readonly urlSigner: UrlSigner;

  constructor(settings: StorageSettings) {
    this.bucket = settings.bucket;
    this.client = clientFor(settings, settings.endpoint);
    this.publicClient = settings.publicEndpoint ? clientFor(settings, settings.publicEndpoint) : this.client;
    this.urlSigner = new UrlSigner(this.publicClient, this.bucket);
  }

  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      } catch (createError) {
        // Another process created it between our two calls.
        if (!isStatus(createError, 409)) throw createError;
      }
    }
  }

  /** For /readyz: the bucket answers. */
  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  async put(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string): Promise<Buffer> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return readBody(response.Body as Readable, response.ContentLength);
  }

  /** Null when there is no such object. */
  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: response.ContentLength ?? 0, contentType: response.ContentType };
    } catch (error) {
      if (isStatus(error, 404)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.listPage(prefix, marker);
      keys.push(...page.keys);
      if (!page.truncated || page.keys.length === 0) return keys;
      marker = page.keys[page.keys.length - 1];
    }
  }

  /**
   * One page (at most 1,000 keys) in key order. ListObjects (v1) with a marker rather than v2:
   * s3rver builds v2 continuation tokens with DES, which Node 20's OpenSSL 3 no longer has, so
   * every truncated v2 listing fails there. v1 pages the same way on AWS, MinIO and the rest.
   */
  private async listPage(prefix: string, marker: string | undefined): Promise<{ keys: string[]; truncated: boolean }> {
    const page = await this.client.send(new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, Marker: marker }));
    return {
      keys: (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])),
      truncated: Boolean(page.IsTruncated),
    };
  }

  /** Deletes every object under the prefix, a page (at most 1,000 keys) at a time; returns the keys removed. */
  async deletePrefix(prefix: string): Promise<string[]> {
    const removed: string[] = [];
    for (;;) {
      // Always the first page: what was deleted is gone, so no marker is needed.
      const { keys } = await this.listPage(prefix, undefined);
      if (keys.length === 0) return removed;
      const result = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = result.Errors ?? [];
      if (failed.length > 0) {
        throw new Error(`could not delete ${failed.length} object(s) under ${prefix}: ${failed[0]?.Code} ${failed[0]?.Message}`);
      }
      removed.push(...keys);
    }
  }

  signGetUrl(key: string, expiresInSeconds: number): Promise<string> {
    return this.urlSigner.signGet(key, { expiresInSeconds });
  }

  /** The URL signGetUrl would give now, if it is already signed (no promise to wait on). */
  cachedGetUrl(key: string, expiresInSeconds: number): string | undefined {
    return this.urlSigner.cachedGet(key, expiresInSeconds);
  }

  /**
   * A URL the client PUTs exactly `size` bytes of `contentType` to: both are part of the signature,
   * so S3 refuses a body of another size or type.
   */
  signPutUrl(key: string, contentType: string, size: number, expiresInSeconds: number): Promise<string> {
    return this.urlSigner.signPut(key, contentType, size, { expiresInSeconds });
  }

  destroy(): void {
    this.client.destroy();
    this.publicClient.destroy();
  }
}

/** The client this module uses for a bucket at `endpoint`; exported for tests of the URL signer. */
export function clientFor(settings: StorageSettings, endpoint: string | undefined): S3Client {
  const client = new S3Client({
    region: settings.region,
    endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials:
      settings.accessKeyId && settings.secretAccessKey
        ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
        : undefined,
    // Third-party S3 servers (s3rver, MinIO releases) reject or mangle the SDK's default CRC32 checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  if (tracingOn()) traceCommands(client);
  return client;
}

/** A client span per bucket call (its retries inside), under the request's or the flow's span. */
function traceCommands(client: S3Client): void {
  client.middlewareStack.add(
    (next, { commandName }) =>
      (args) => {
        const input = args.input as { Bucket?: string; Key?: string };
        const method = String(commandName).replace(/Command$/, '');
        return inSpan(
          `S3.${method}`,
          {
            kind: 'client',
            attributes: {
              'rpc.system': 'aws-api',
              'rpc.service': 'S3',
              'rpc.method': method,
              'aws.s3.bucket': input.Bucket,
              'aws.s3.key': input.Key,
            },
          },
          () => next(args),
        );
      },
    { step: 'initialize', name: 'framewrightTracing' },
  );
}

/**
 * An object's body in one Buffer of its announced length, filled as the chunks arrive. The SDK's
 * transformToByteArray keeps every chunk, then concatenates them, and Buffer.from copied that
 * again: up to three times the object's size at once, where a flow's input may be ~100 MB.
 */
async function readBody(body: Readable, length: number | undefined): Promise<Buffer> {
  if (length === undefined) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  const bytes = Buffer.allocUnsafe(length);
  let filled = 0;
  for await (const chunk of body) {
    const part = chunk as Buffer;
    if (filled + part.length > length) throw new Error(`the object is longer than its Content-Length (${length} bytes)`);
    part.copy(bytes, filled);
    filled += part.length;
  }
  if (filled !== length) throw new Error(`the object ended after ${filled} of its ${length} bytes`);
  return bytes;
}

function isStatus(error: unknown, status: number): boolean {
  if (error instanceof S3ServiceException) return error.$metadata.httpStatusCode === status;
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === status;
}
