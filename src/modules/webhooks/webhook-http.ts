import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// The network side of webhooks: which URLs may be called, and one POST to one of them. A URL that
// names or resolves to a private address would let a customer probe our own network, so it is
// refused at creation and again at every attempt, by the same lookup the socket connects with
// (a name that changes its answer between the check and the connection gains nothing).

const privateRanges = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // IPv4-compatible (::a.b.c.d, deprecated), with the unspecified :: and loopback ::1 inside it.
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  // Teredo and 6to4 embed an IPv4 address that a relay forwards to (a private one would reach our
  // network); blocked whole, as a receiver has a native address.
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv6');
}

export class UnsafeWebhookUrlError extends Error {
  override name = 'UnsafeWebhookUrlError';
}

/** True for loopback, private, link-local, reserved and multicast addresses (IPv4-mapped IPv6 too). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return privateRanges.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return privateRanges.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The URL's form: https (http too when private networks are allowed), no credentials. */
export function parseWebhookUrl(raw: string, allowPrivateNetworks: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeWebhookUrlError('is not a URL');
  }
  const schemes = allowPrivateNetworks ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) throw new UnsafeWebhookUrlError(`must start with ${schemes.map((s) => `${s}//`).join(' or ')}`);
  if (url.username || url.password) throw new UnsafeWebhookUrlError('must not carry a user name or password');
  return url;
}

/** Resolves the host like the connection will, refusing private addresses unless allowed. */
function safeLookup(allowPrivateNetworks: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as dns.LookupAddress[];
      const refused = allowPrivateNetworks ? undefined : list.find((entry) => isPrivateAddress(entry.address));
      if (refused) return callback(new UnsafeWebhookUrlError(`resolves to a private address (${refused.address})`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first) return callback(new UnsafeWebhookUrlError('resolves to no address'), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** Checks the URL's form and that its host resolves only to addresses we may call. */
export async function checkWebhookUrl(raw: string, allowPrivateNetworks: boolean): Promise<URL> {
  const url = parseWebhookUrl(raw, allowPrivateNetworks);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (!allowPrivateNetworks && isPrivateAddress(host)) throw new UnsafeWebhookUrlError(`is a private address (${host})`);
    return url;
  }
  await new Promise<void>((resolve, reject) =>
    safeLookup(allowPrivateNetworks)(host, { all: true }, (error) => (error ? reject(asUnsafe(error, host)) : resolve())),
  );
  return url;
}

function asUnsafe(error: Error, host: string): Error {
  return error instanceof UnsafeWebhookUrlError ? error : new UnsafeWebhookUrlError(`has a host that does not resolve (${host})`);
}

export interface PostResult {
  /** Undefined when no answer came (refused, timed out, unsafe). */
  statusCode?: number;
  error?: string;
}

export interface PostOptions {
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  /** Response bytes read at most; the rest is not waited for. */
  maxResponseBytes: number;
  /** Aborts the request (a worker shutting down). */
  signal?: AbortSignal;
}

/** One POST, no redirects followed, the answer's body read up to a few KB, a hard time limit. */
export async function postWebhook(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<PostResult> {
  let url: URL;
  try {
    url = parseWebhookUrl(rawUrl, options.allowPrivateNetworks);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !options.allowPrivateNetworks && isPrivateAddress(host))
      throw new UnsafeWebhookUrlError(`is a private address (${host})`);
  } catch (error) {
    return { error: `the URL ${(error as Error).message}` };
  }
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      request.destroy();
      resolve(result);
    };
    const request = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: safeLookup(options.allowPrivateNetworks),
      agent: false,
    });
    const timer = setTimeout(() => finish({ error: `no answer within ${options.timeoutMs / 1000} s` }), options.timeoutMs);
    const onAbort = () => finish({ error: 'the worker stopped before an answer came' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    request.on('error', (error) => finish({ error: error instanceof UnsafeWebhookUrlError ? `the URL ${error.message}` : error.message }));
    request.on('response', (response) => {
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= options.maxResponseBytes) finish({ statusCode: response.statusCode });
      });
      response.on('end', () => finish({ statusCode: response.statusCode }));
      response.on('error', () => finish({ statusCode: response.statusCode }));
    });
    request.end(body);
  });
}
