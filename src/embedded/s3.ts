import fs from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import S3rver from 's3rver';
import type { Logger } from '../logger.ts';

export interface EmbeddedS3Handle {
  endpoint: string;
  port: number;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/** s3rver checks request signatures against this fixed key pair. */
export const S3RVER_KEY = 'S3RVER';

/**
 * Browsers upload to presigned URLs from web pages on other origins: the preflight must be
 * answered. Any origin, since the URL's signature is what guards the bucket.
 */
const CORS_CONFIGURATION = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3600</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

export interface EmbeddedS3Options {
  /** Default 0: a free one. */
  port?: number;
  /** Buckets created at start with the CORS rule above (other buckets are created as usual, without it). */
  corsBuckets?: readonly string[];
}

/**
 * Starts s3rver in this process, storing objects under `dir` (kept across restarts).
 * Buckets are created by the storage layer like on any other S3, except `corsBuckets`.
 */
export async function startEmbeddedS3(dir: string, logger: Logger, options: EmbeddedS3Options = {}): Promise<EmbeddedS3Handle> {
  const directory = path.resolve(dir);
  await fs.mkdir(directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: (options.corsBuckets ?? []).map((name) => ({ name, configs: [CORS_CONFIGURATION] })),
  });
  const address = await server.run();
  const httpServer = (server as unknown as { httpServer: Server }).httpServer;
  logger.info({ port: address.port }, 'embedded S3 server is up');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    accessKeyId: S3RVER_KEY,
    secretAccessKey: S3RVER_KEY,
    stop: async () => {
      const closed = server.close();
      // Keep-alive sockets of the S3 client would hold close() open until they time out.
      httpServer.closeAllConnections();
      await closed;
    },
  };
}
