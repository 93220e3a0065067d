// A request that needs the database or the bucket while one of them cannot be reached is not the
// client's fault and not a bug: it is answered SERVICE_UNAVAILABLE (503), saying to try again,
// instead of a masked INTERNAL_SERVER_ERROR. /readyz says which one is down.

/** Socket-level failures of reaching a server, as Node, pg and the AWS SDK report them. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
/** pg's words when a connection cannot be had or was lost; it gives them no code. */
const UNREACHABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /Connection terminated/i,
  /the database system is (starting up|shutting down)/i,
];

/** True when the error (or an error it wraps) says a backing server could not be reached. */
export function isBackendUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  // PostgreSQL's own "cannot connect now" / "admin shutdown" states.
  if (code === '57P03' || code === '57P01') return true;
  if (UNREACHABLE_MESSAGES.some((pattern) => pattern.test(error.message))) return true;
  const nested = [(error as { cause?: unknown }).cause, ...((error as { errors?: unknown[] }).errors ?? [])];
  return nested.some((inner) => isBackendUnavailable(inner, depth + 1));
}
