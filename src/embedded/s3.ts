import fs from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import S3rver from 's3rver';
import type { Logger } from '../logger.ts';

export interface EmbeddedS3Handle {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/** s3rver checks request signatures against this fixed key pair. */
const S3RVER_KEY = 'S3RVER';

/**
 * Starts s3rver in this process, storing objects under `dir` (kept across restarts).
 * Buckets are created by the storage layer like on any other S3, not here.
 */
export async function startEmbeddedS3(dir: string, logger: Logger, port = 0): Promise<EmbeddedS3Handle> {
  const directory = path.resolve(dir);
  await fs.mkdir(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, vhostBuckets: false });
  const address = await server.run();
  const httpServer = (server as unknown as { httpServer: Server }).httpServer;
  logger.info({ port: address.port }, 'embedded S3 server is up');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
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
