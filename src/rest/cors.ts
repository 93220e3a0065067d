import type http from 'node:http';

// CORS for the REST door, on the GraphQL door's terms (CORS_ORIGINS, never with credentials), so
// a browser app written against the REST API may call it from the origins GraphQL allows.

const ALLOWED_METHODS = 'GET, POST, PATCH, DELETE';
const ALLOWED_HEADERS = 'authorization, content-type, idempotency-key';

/** Sets the CORS headers for the request's origin, if it is allowed; true when the request was a preflight, now answered. */
export function applyCors(req: http.IncomingMessage, res: http.ServerResponse, corsOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && (corsOrigins.includes('*') || corsOrigins.includes(origin));
  if (allowed) {
    res.setHeader('access-control-allow-origin', corsOrigins.includes('*') ? '*' : origin);
    if (!corsOrigins.includes('*')) res.setHeader('vary', 'Origin');
    res.setHeader('access-control-expose-headers', 'retry-after');
  }
  if (req.method !== 'OPTIONS') return false;
  if (allowed) {
    res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
    res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
    res.setHeader('access-control-max-age', '600');
  }
  res.writeHead(204).end();
  return true;
}
