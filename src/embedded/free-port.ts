import net from 'node:net';
import type { Logger } from '../logger.ts';

/** Asks the kernel for a free loopback port (never 5432 unless the kernel picks it, which it does not for ephemeral ports). */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on `port` yet (we could bind it right now). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * The port an embedded service used last time, so that addresses handed out before a restart
 * (presigned URLs, a DATABASE_URL pasted elsewhere) keep working; a fresh one when there was none
 * or when someone else has taken it meanwhile.
 */
export async function rememberedOrFreePort(remembered: number | undefined, service: string, logger: Logger): Promise<number> {
  // Below 1024 only root may listen, and the embedded PostgreSQL runs as the postgres user.
  if (remembered !== undefined && remembered >= 1024) {
    if (await isPortFree(remembered)) return remembered;
    const port = await findFreePort();
    logger.warn(
      { service, remembered, port },
      'the port this embedded service used before is taken by another program; using a new one (addresses handed out before will not work)',
    );
    return port;
  }
  return findFreePort();
}
