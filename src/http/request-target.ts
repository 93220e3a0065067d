/**
 * A request's target in the one form every route is chosen by, and that yoga reads again.
 *
 * Routing on the raw target while a URL parser downstream normalises it lets a path that only
 * becomes `/metrics` once parsed (`/./metrics`, `/%2E/metrics`, `/graphql/../metrics`,
 * `/graphql\..\metrics`, `/metrics#x`) skip the check made for `/metrics` and still be answered
 * as `/metrics`. So the target is normalised once, before any route, with the WHATWG parser yoga's
 * server adapter uses; the canonical form is a fixed point of that parser, so yoga reads the same path.
 */
export interface RequestTarget {
  /** The normalised path: dot segments resolved (encoded ones too), backslashes as slashes, no fragment. */
  path: string;
  /** The path with the query, as it replaces `req.url`. */
  target: string;
}

/** Undefined for a target that is not a path (`*`, an absolute URL) or does not parse. */
export function normaliseRequestTarget(raw: string | undefined): RequestTarget | undefined {
  if (!raw?.startsWith('/')) return undefined;
  // As @whatwg-node/server builds the URL: a scheme and a host, then the target as it came.
  const url = URL.parse(`http://localhost${raw}`);
  if (!url) return undefined;
  return { path: url.pathname, target: `${url.pathname}${url.search}` };
}
