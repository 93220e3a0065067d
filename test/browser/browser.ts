import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import lockfile from 'proper-lockfile';

/** Debian's chromium package: used when the machine has it. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = 'test-results';

/**
 * Debian's chromium when it is installed, else the Chromium that the `@sparticuz/chromium` package
 * ships inside itself (unpacked into the temp folder on first use), so `npm ci && npm test` needs
 * no browser installed by hand.
 */
async function chromiumExecutable(): Promise<{ path: string; source: string }> {
  if (isExecutable(DEBIAN_CHROMIUM)) return { path: DEBIAN_CHROMIUM, source: "Debian's chromium" };
  const { default: bundled } = await import('@sparticuz/chromium');
  // Two browser test files may start at once: one unpacks, the other waits for it.
  const lockTarget = path.join(os.tmpdir(), 'framewright-chromium-unpack');
  await fs.promises.writeFile(lockTarget, '', { flag: 'a' });
  const release = await lockfile.lock(lockTarget, { retries: { retries: 120, minTimeout: 250, maxTimeout: 500 }, stale: 60_000 });
  try {
    return { path: await bundled.executablePath(), source: '@sparticuz/chromium (from the npm registry)' };
  } finally {
    await release();
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Headless chromium, cut off from everything but the pages it is sent to: without the
 * background-networking switches it calls Google's update and sync services on start (a machine
 * without internet waits on them). playwright-core gives it a fresh profile of its own.
 */
export async function launchChromium(): Promise<Browser> {
  const executable = await chromiumExecutable();
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: executable.path,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Named in the run's log: which browser the page tests ran in.
  console.log(`browser: ${executable.source}, Chromium ${browser.version()} at ${executable.path}`);
  return browser;
}

/** Every URL the context's pages ask for from now on: documents, subresources, media, workers and WebSockets. */
export function recordRequests(context: BrowserContext): string[] {
  const requested: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  // WebSockets are not 'request' events; 'page' fires for newPage() too.
  context.on('page', (page) => page.on('websocket', (ws) => requested.push(ws.url())));
  return requested;
}

/** The URLs that went to a host other than this machine's loopback (data: and blob: URLs never leave the page). */
export function offLoopback(urls: readonly string[]): string[] {
  return urls.filter((url) => {
    const { protocol, hostname } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:') return false;
    return !['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
  });
}

export interface TcpProxy {
  /** http://127.0.0.1:<port>: load pages from here instead of the target. */
  origin: string;
  /** Cuts every connection open through the proxy, as a network failure would; new ones still go through. */
  dropConnections(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay in front of a local port: between the browser and the service, so a test can cut
 * the browser's open streams mid-flight (chromium's offline emulation leaves open streams alone).
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    origin: `http://127.0.0.1:${port}`,
    dropConnections,
    close: () =>
      new Promise<void>((resolve) => {
        dropConnections();
        server.close(() => resolve());
      }),
  };
}
