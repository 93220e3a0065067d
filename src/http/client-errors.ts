import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** Longest value quoted back to the caller inside an error message; the rest is cut. */
const MAX_ECHOED_VALUE = 64;
/** Longest error message sent to a client. */
const MAX_MESSAGE = 400;

/**
 * The last step of every GraphQL error on its way to a client: short messages (a 1 MB input
 * echoed back would be a 1 MB answer), no schema hints for someone probing it ("Did you
 * mean…?"), no parser internals (yoga's `originalError` on malformed JSON), and always a code.
 */
export function toSafeClientError(error: GraphQLError, fallbackCode?: string): GraphQLError {
  const message = safeMessage(error.message);
  const { originalError: _internal, ...extensions } = (error.extensions ?? {}) as Record<string, unknown>;
  if (message === error.message && !_internal && extensions['code']) return error;
  return createGraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...extensions, code: extensions['code'] ?? fallbackCode ?? codeFor(extensions['http']) },
  });
}

export function safeMessage(message: string): string {
  const shortened = message
    .replace(/ ?Did you mean [^?]*\?/g, '')
    .replace(new RegExp(`"((?:[^"\\\\]|\\\\.){${MAX_ECHOED_VALUE}})(?:[^"\\\\]|\\\\.)+"`, 'g'), '"$1…"');
  // graphql puts the echoed input in the middle ("found {…}; reason"): the start and the end are kept.
  return shortened.length > MAX_MESSAGE ? `${shortened.slice(0, MAX_MESSAGE / 2)}…${shortened.slice(-MAX_MESSAGE / 2)}` : shortened;
}

function codeFor(http: unknown): string {
  const status = typeof http === 'object' && http !== null ? (http as { status?: unknown }).status : undefined;
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 405 || status === 406 || status === 415) return 'BAD_REQUEST';
  // 400 and no status: an input the schema refused (a variable or a scalar's value).
  return 'BAD_USER_INPUT';
}

/** Validation errors go to the client without passing the mask: shaped here, as they are made. */
export function useSafeValidationErrors(): Plugin {
  return {
    onValidate: () =>
      function onValidateEnd({ valid, result, setResult }) {
        if (!valid) setResult(result.map((error) => toSafeClientError(error, 'GRAPHQL_VALIDATION_FAILED')));
      },
  };
}
