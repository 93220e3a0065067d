import type http from 'node:http';
import { Readable } from 'node:stream';
import { BadRequestError } from '../modules/shared/errors.ts';
import { PayloadTooLargeError } from './errors.ts';

// Reading a REST body under the GraphQL door's limit: a Content-Length over it is refused before a
// byte is read, and a body of unknown length is counted as it streams.

const CONTENT_LENGTH = /^\d+$/;

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`Request body too large (at most ${limit} bytes)`);
}

function bodyStream(req: http.IncomingMessage, limit: number): ReadableStream<Uint8Array> {
  const contentLength = req.headers['content-length'];
  if (contentLength !== undefined) {
    if (!CONTENT_LENGTH.test(contentLength)) throw new BadRequestError('Content-Length header is invalid.');
    if (Number(contentLength) > limit) throw tooLarge(limit);
  }
  let bytesRead = 0;
  return (Readable.toWeb(req) as ReadableStream<Uint8Array>).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytesRead += chunk.byteLength;
        if (bytesRead > limit) return controller.error(tooLarge(limit));
        controller.enqueue(chunk);
      },
    }),
  );
}

function asRequest(req: http.IncomingMessage, limit: number): Request {
  return new Request('http://localhost/', {
    method: 'POST',
    headers: { 'content-type': req.headers['content-type'] ?? '' },
    body: bodyStream(req, limit),
    duplex: 'half',
  } as RequestInit);
}

/** The parse failed because the body was too long, or because it was not what it claimed to be. */
function rethrow(error: unknown, what: string): never {
  if (error instanceof PayloadTooLargeError) throw error;
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof PayloadTooLargeError) throw cause;
  throw new BadRequestError(`The body is not ${what}`);
}

export function mediaType(req: http.IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export async function readJson(req: http.IncomingMessage, limit: number): Promise<unknown> {
  if (mediaType(req) !== 'application/json') throw new BadRequestError('Send the body as application/json');
  const text = await asRequest(req, limit)
    .text()
    .catch((error: unknown) => rethrow(error, 'readable'));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError('The body is not JSON');
  }
}

export async function readMultipart(req: http.IncomingMessage, limit: number): Promise<FormData> {
  return asRequest(req, limit)
    .formData()
    .catch((error: unknown) => rethrow(error, 'multipart/form-data'));
}
