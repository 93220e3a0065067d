import fs from 'node:fs/promises';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * GET /v1/docs: the OpenAPI document rendered by Swagger UI, whose bundle is served from
 * node_modules by this route, so the page works offline and nothing is fetched from another host.
 */
export const DOCS_PATH = '/v1/docs';

const swaggerUi = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const own = new URL('./docs/', import.meta.url);

/** Only these files are served: a request names one of them, never a path on disk. */
const files: Record<string, { type: string; at: () => URL | string }> = {
  'index.html': { type: 'text/html', at: () => new URL('index.html', own) },
  'init.js': { type: 'text/javascript', at: () => new URL('init.js', own) },
  'swagger-ui.css': { type: 'text/css', at: () => path.join(swaggerUi, 'swagger-ui.css') },
  'swagger-ui-bundle.js': { type: 'text/javascript', at: () => path.join(swaggerUi, 'swagger-ui-bundle.js') },
};

/** As the demo page's: everything from the service; Swagger UI draws its icons from data: URLs and sets inline styles. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function isDocsPath(urlPath: string): boolean {
  return urlPath === DOCS_PATH || urlPath.startsWith(`${DOCS_PATH}/`);
}

/** Serves the page and its files; false when the path names none (the caller answers 404). */
export async function serveDocs(urlPath: string, res: http.ServerResponse): Promise<boolean> {
  const name = urlPath === DOCS_PATH || urlPath === `${DOCS_PATH}/` ? 'index.html' : urlPath.slice(DOCS_PATH.length + 1);
  const file = Object.hasOwn(files, name) ? files[name] : undefined;
  if (!file) return false;
  const body = await fs.readFile(file.at());
  res
    .writeHead(200, {
      'content-type': `${file.type}; charset=utf-8`,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': CONTENT_SECURITY_POLICY,
    })
    .end(body);
  return true;
}
