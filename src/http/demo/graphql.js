// The page's only link to the service: POST /graphql, as JSON, as a multipart upload, or as an
// SSE stream (graphql-yoga answers a POST with `accept: text/event-stream` with one).

const ENDPOINT = '/graphql';
/** The service's trusted documents (codegen's manifest: hash → document), served beside the page. */
const MANIFEST = '/demo/persisted-documents.json';

let hashes;

/** The hash of the page's operation of this name: `{ documentId }` for the request body. */
async function byHash(operationName) {
  hashes ??= fetch(MANIFEST)
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`HTTP ${response.status} for ${MANIFEST}`))))
    .then((manifest) => {
      const names = new Map();
      for (const [hash, document] of Object.entries(manifest)) {
        // The operation is the definition that starts the document or follows another's closing brace.
        const name = /(?:^|\} )(?:query|mutation|subscription) (\w+)/.exec(document);
        if (name) names.set(name[1], hash);
      }
      return names;
    });
  hashes.catch(() => (hashes = undefined));
  const documentId = (await hashes).get(operationName);
  if (!documentId) throw new Error(`the service does not know the operation ${operationName}`);
  return { documentId };
}

/** A GraphQL error list (or a failed request) as one Error, with the first error's code. */
export class GraphQLRequestError extends Error {
  constructor(errors, status) {
    super(errors.map((error) => error.message).join('; ') || `HTTP ${status}`);
    this.code = errors[0]?.extensions?.code;
    this.status = status;
  }
}

function authorization(key) {
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function answer(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLRequestError([], response.status);
  }
  if (body.errors?.length) throw new GraphQLRequestError(body.errors, response.status);
  return body.data;
}

export async function request(operationName, variables, key) {
  const response = await fetch(ENDPOINT, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...authorization(key) },
    body: JSON.stringify({ ...(await byHash(operationName)), variables }),
  });
  return answer(response);
}

/** The GraphQL multipart request spec: `file` goes to the variable at `path` (e.g. "input.source"). */
export async function upload(operationName, variables, path, file, key) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ ...(await byHash(operationName)), variables }));
  form.set('map', JSON.stringify({ 0: [`variables.${path}`] }));
  form.set('0', file, file.name);
  const response = await fetch(ENDPOINT, {
    method: 'POST',
    // The server's CSRF guard asks multipart posts for a header a plain HTML form cannot send.
    headers: { accept: 'application/json', 'graphql-require-preflight': '1', ...authorization(key) },
    body: form,
  });
  return answer(response);
}

/** Splits an SSE stream into its events: { event, data }. */
async function* serverSentEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replaceAll('\r\n', '\n');
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const field = (name) =>
        lines
          .filter((line) => line.startsWith(`${name}:`))
          .map((line) => line.slice(name.length + 1).trimStart())
          .join('\n');
      // Lines starting with ":" are keep-alive comments: no event.
      if (lines.some((line) => line.startsWith('event:') || line.startsWith('data:'))) yield { event: field('event'), data: field('data') };
    }
  }
}

/**
 * Runs a subscription over SSE, calling onData with each result's data; resolves when the server
 * completes the stream, rejects on a GraphQL error. `signal` ends it early (then it resolves).
 */
export async function subscribe(operationName, variables, key, onData, signal) {
  try {
    const response = await fetch(ENDPOINT, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...authorization(key) },
      body: JSON.stringify({ ...(await byHash(operationName)), variables }),
      signal,
    });
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
      await answer(response);
      throw new GraphQLRequestError([], response.status);
    }
    for await (const { event, data } of serverSentEvents(response.body)) {
      if (event === 'complete') return;
      if (!data) continue;
      const result = JSON.parse(data);
      if (result.errors?.length) throw new GraphQLRequestError(result.errors, response.status);
      onData(result.data);
    }
    throw new Error('the stream closed before the run ended');
  } catch (error) {
    if (signal?.aborted) return;
    throw error;
  }
}
