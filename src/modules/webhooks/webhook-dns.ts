import dns from 'node:dns';
import { isIP } from 'node:net';

// Webhook hosts are named by customers, so a name whose name server never answers is theirs to
// choose. dns.lookup runs getaddrinfo on libuv's thread pool (4 threads, shared with file and
// crypto work): four such names would stall the whole process. c-ares (dns.Resolver) asks the
// name servers over the event loop instead, and gives up after the timeout.

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** A host's addresses, IPv4 first; rejects with a HostResolutionError. */
export type ResolveHost = (hostname: string) => Promise<ResolvedAddress[]>;

export interface HostResolverSettings {
  /** The most one resolution may take, both families asked at once. */
  timeoutMs: number;
  /** Name servers ("127.0.0.1:5353"); the system's (/etc/resolv.conf) when omitted. */
  servers?: readonly string[] | undefined;
  /**
   * Also look names up with getaddrinfo (/etc/hosts) when the name servers answer without an
   * address: only with private networks allowed (development), for the machine's own names.
   */
  localNames: boolean;
}

export class HostResolutionError extends Error {
  override name = 'HostResolutionError';
  /** True when the name servers did not answer in time (rather than answering "no such name"). */
  readonly timedOut: boolean;
  constructor(message: string, timedOut: boolean) {
    super(message);
    this.timedOut = timedOut;
  }
}

// RFC 6761 §6.3: "localhost" and names under it are loopback, whatever a name server says; the
// Resolver does not read /etc/hosts, where the system keeps them.
const LOOPBACK: readonly ResolvedAddress[] = Object.freeze([
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
]);

const GAVE_UP = new Set<string>([dns.TIMEOUT, dns.CANCELLED]);

export function hostResolver(settings: HostResolverSettings): ResolveHost {
  return async (hostname) => {
    const host = hostname
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '')
      .toLowerCase();
    const family = isIP(host);
    if (family === 4 || family === 6) return [{ address: host, family }];
    if (host === 'localhost' || host.endsWith('.localhost')) return [...LOOPBACK];
    // A resolver of its own, so that cancel() at the deadline stops this resolution's queries only.
    const resolver = new dns.promises.Resolver({ timeout: settings.timeoutMs, tries: 1 });
    if (settings.servers) resolver.setServers([...settings.servers]);
    const deadline = setTimeout(() => resolver.cancel(), settings.timeoutMs);
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]).finally(() => clearTimeout(deadline));
    const addresses: ResolvedAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
    ];
    if (addresses.length > 0) return addresses;
    const timedOut = [v4, v6].some((result) => result.status === 'rejected' && GAVE_UP.has((result.reason as NodeJS.ErrnoException).code!));
    if (timedOut) {
      throw new HostResolutionError(`has a host whose name servers did not answer within ${settings.timeoutMs / 1000} s (${host})`, true);
    }
    // The name servers answered in time without an address (or could not be reached at all):
    // with local names allowed, /etc/hosts may know the name. Never after a timeout.
    if (settings.localNames) {
      const local = await dns.promises.lookup(host, { all: true, order: 'ipv4first' }).catch(() => []);
      if (local.length > 0) return local.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
    }
    throw new HostResolutionError(`has a host that does not resolve (${host})`, false);
  };
}
