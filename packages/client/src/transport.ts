import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { FramewrightRequestError } from './errors.ts';

export interface FileVariable {
  /** The variable the file fills, e.g. "input.source". */
  path: string;
  blob: Blob;
  filename: string;
}

interface GraphQLAnswer<R> {
  data?: R | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** The hash codegen gave a document (`sha256:<hex>`), under which the service knows it. */
export function documentHash(document: unknown): string | undefined {
  return (document as { __meta__?: { hash?: string } }).__meta__?.hash;
}

/** Whether an error says the service does not know the hash (it may still take the document). */
export function isUnknownHash(error: unknown): boolean {
  return error instanceof FramewrightRequestError && error.code === 'PERSISTED_QUERY_NOT_FOUND';
}

/**
 * Sends one operation over HTTP, by its hash when `byHash` and it has one: a service that does
 * not know the hash (PERSISTED_QUERY_NOT_FOUND) gets the document instead, where it allows that.
 */
export async function postOperation<R, V>(
  url: string,
  apiKey: string | undefined,
  document: TypedDocumentNode<R, V>,
  variables: V,
  files: FileVariable[] = [],
  byHash = true,
): Promise<R> {
  const documentId = byHash ? documentHash(document) : undefined;
  if (documentId) {
    try {
      return await postOnce<R>(url, apiKey, { documentId, variables }, files);
    } catch (error) {
      if (!isUnknownHash(error)) throw error;
    }
  }
  return postOnce<R>(url, apiKey, { query: print(document), variables }, files);
}

/** One request: JSON, or the GraphQL multipart request when it carries files. */
async function postOnce<R>(url: string, apiKey: string | undefined, params: Record<string, unknown>, files: FileVariable[]): Promise<R> {
  const headers: Record<string, string> = {};
  if (apiKey) headers['authorization'] = `Bearer ${apiKey}`;
  let body: string | FormData;
  const operation = JSON.stringify(params);
  if (files.length > 0) {
    const form = new FormData();
    form.set('operations', operation);
    form.set('map', JSON.stringify(Object.fromEntries(files.map((file, i) => [String(i), [`variables.${file.path}`]]))));
    for (const [i, file] of files.entries()) form.set(String(i), file.blob, file.filename);
    body = form;
    // The service's CSRF guard asks every multipart request for this header (a browser cannot send it cross-site without a preflight).
    headers['graphql-require-preflight'] = '1';
  } else {
    headers['content-type'] = 'application/json';
    body = operation;
  }
  const response = await fetch(url, { method: 'POST', headers, body }).catch((error: unknown) => {
    const cause = causeOf(error);
    // The service may answer (401, 413, 503) and close before a large body is sent; the answer is then lost.
    const midUpload = files.length > 0 && (cause === 'EPIPE' || cause === 'ECONNRESET');
    const why = midUpload ? ' (it closed the connection during the upload: a refused key, a file too large, or a busy service)' : '';
    throw new FramewrightRequestError(`cannot reach ${url}: ${cause}${why}`, 'NETWORK_ERROR');
  });
  const answer = (await response.json().catch(() => undefined)) as GraphQLAnswer<R> | undefined;
  const first = answer?.errors?.[0];
  if (first) throw new FramewrightRequestError(first.message, first.extensions?.code ?? 'GRAPHQL_ERROR', response.status);
  if (!answer?.data)
    throw new FramewrightRequestError(`HTTP ${response.status} ${response.statusText} from ${url}`, 'HTTP_ERROR', response.status);
  return answer.data;
}

/** fetch's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND) in its cause. */
export function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) return (cause as Error & { code?: string }).code ?? cause.message;
  return error.message;
}
