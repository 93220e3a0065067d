import fs from 'node:fs/promises';
import type http from 'node:http';
import { SERVICE_MANIFEST } from './trusted-documents.ts';

/**
 * The demo page: plain HTML, CSS and ES modules from src/http/demo/, served as they are (no
 * bundler, no build step), so it works offline like GraphiQL. It talks to /graphql only: queries
 * and the multipart createWorkflow over fetch, workflowProgress over SSE, each by its hash.
 */
export const DEMO_PATH = '/demo';

const directory = new URL('./demo/', import.meta.url);

/** Only these files are served: a request names one of them, never a path on disk. */
const files: Record<string, string> = {
  'index.html': 'text/html',
  'demo.css': 'text/css',
  'app.js': 'text/javascript',
  'graphql.js': 'text/javascript',
  'view.js': 'text/javascript',
  'persisted-documents.json': 'application/json',
};

/** Not a file of the page's own: codegen's manifest, from which the page takes its operations' hashes. */
const locations: Record<string, URL> = { 'persisted-documents.json': SERVICE_MANIFEST };

/**
 * The page loads scripts, styles and data from the service alone; images and videos come from
 * signed bucket URLs, whose host is the bucket's (another origin), hence any host for those two.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' blob: data: http: https:",
  "media-src 'self' blob: http: https:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function isDemoPath(path: string | undefined): path is string {
  return path === DEMO_PATH || path?.startsWith(`${DEMO_PATH}/`) === true;
}

/** Serves GET /demo (the page) and /demo/<file>; false when the path names no file (the caller answers 404). */
export async function serveDemo(path: string, res: http.ServerResponse): Promise<boolean> {
  const name = path === DEMO_PATH || path === `${DEMO_PATH}/` ? 'index.html' : path.slice(DEMO_PATH.length + 1);
  const type = Object.hasOwn(files, name) ? files[name] : undefined;
  if (!type) return false;
  const body = await fs.readFile(locations[name] ?? new URL(name, directory));
  res
    .writeHead(200, {
      'content-type': `${type}; charset=utf-8`,
      // A few kilobytes: always revalidated, so a new version of the service is picked up at once.
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': CONTENT_SECURITY_POLICY,
    })
    .end(body);
  return true;
}
