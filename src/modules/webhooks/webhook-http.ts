import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { HostResolutionError, type ResolvedAddress, type ResolveHost } from './webhook-dns.ts';

// The network side of webhooks: which URLs may be called, and one POST to one of them. A URL that
// names or resolves to a private address would let a customer probe our own network, so it is
// refused at creation and again at every attempt, by the same resolution the socket connects with
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

/** How webhook URLs are checked: whether private networks are allowed, and how hosts resolve. */
export interface WebhookTargets {
  allowPrivateNetworks: boolean;
  resolveHost: ResolveHost;
}

/**
 * The host's addresses, refused when any is private (unless allowed): the one check made at
 * creation and, through lookupFor, by every attempt's connection.
 */
async function checkedAddresses(host: string, targets: WebhookTargets): Promise<ResolvedAddress[]> {
  let addresses: ResolvedAddress[];
  try {
    addresses = await targets.resolveHost(host);
  } catch (error) {
    if (error instanceof HostResolutionError) throw new UnsafeWebhookUrlError(error.message);
    throw error;
  }
  const literal = isIP(host.replace(/^\[|\]$/g, '')) !== 0;
  const refused = targets.allowPrivateNetworks ? undefined : addresses.find((entry) => isPrivateAddress(entry.address));
  if (refused)
    throw new UnsafeWebhookUrlError(
      literal ? `is a private address (${refused.address})` : `resolves to a private address (${refused.address})`,
    );
  if (addresses.length === 0) throw new UnsafeWebhookUrlError('resolves to no address');
  return addresses;
}

/** The socket's lookup: it connects only to addresses that passed the check. */
function lookupFor(targets: WebhookTargets): LookupFunction {
  return (hostname, options, callback) => {
    checkedAddresses(hostname, targets).then(
      (addresses) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const wanted = family ? addresses.filter((entry) => entry.family === family) : addresses;
        if (options.all) return (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, wanted);
        const first = wanted[0];
        if (!first) return callback(new UnsafeWebhookUrlError(`resolves to no IPv${family} address`), '', 0);
        callback(null, first.address, first.family);
      },
      (error: Error) => callback(error, '', 0),
    );
  };
}

/** Checks the URL's form and that its host resolves only to addresses we may call. */
export async function checkWebhookUrl(raw: string, targets: WebhookTargets): Promise<URL> {
  const url = parseWebhookUrl(raw, targets.allowPrivateNetworks);
  await checkedAddresses(url.hostname, targets);
  return url;
}

export interface PostResult {
  /** Undefined when no answer came (refused, timed out, unsafe). */
  statusCode?: number;
  error?: string;
}

export interface PostOptions {
  timeoutMs: number;
  targets: WebhookTargets;
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
    url = parseWebhookUrl(rawUrl, options.targets.allowPrivateNetworks);
    // The socket skips its lookup for a literal address: checked here instead.
    if (isIP(url.hostname.replace(/^\[|\]$/g, ''))) await checkedAddresses(url.hostname, options.targets);
  } catch (error) {
    if (!(error instanceof UnsafeWebhookUrlError)) throw error;
    return { error: `the URL ${error.message}` };
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
      lookup: lookupFor(options.targets),
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
