import fs from 'node:fs';
import net from 'node:net';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium package: `.ci/run` installs it with apt-get when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = 'test-results';

/**
 * Headless chromium, cut off from everything but the pages it is sent to: without the
 * background-networking switches it calls Google's update and sync services on start (a machine
 * without internet waits on them). playwright-core gives it a fresh profile of its own.
 */
export async function launchChromium(): Promise<Browser> {
  // Not a skip: CI installs chromium first, so a missing one is a broken machine, and must fail.
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); the browser tests need it`);
  }
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
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
