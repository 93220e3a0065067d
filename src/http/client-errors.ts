import type { GraphQLError } from 'graphql';
import { createGraphQLError, maskError as defaultMaskError, type Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import { AppError, ForbiddenError, RateLimitedError, UnauthenticatedError, ValidationError } from '../modules/shared/errors.ts';
import { isBackendUnavailable } from './backend-unavailable.ts';

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

/**
 * The one place where domain errors become GraphQL errors (those a field's union does not already
 * return as data), for yoga (HTTP and SSE) and graphql-ws alike. Anything unexpected is logged here and masked.
 */
export function toClientError(error: unknown, logger: Logger, maskedMessage = 'Unexpected error.'): GraphQLError {
  const original = isGraphQLError(error) ? (error.originalError ?? error) : error;
  const location = isGraphQLError(error) ? { nodes: error.nodes, path: error.path, source: error.source, positions: error.positions } : {};
  if (original instanceof UnauthenticatedError) {
    return createGraphQLError(original.message, { ...location, extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
  if (original instanceof ForbiddenError) {
    return createGraphQLError(original.message, { ...location, extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
  }
  if (original instanceof RateLimitedError) {
    return createGraphQLError(original.message, {
      ...location,
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds: original.retryAfterSeconds,
        http: { status: 429, headers: { 'retry-after': String(original.retryAfterSeconds) } },
      },
    });
  }
  if (original instanceof AppError) {
    const extensions: Record<string, unknown> = { code: original.code === 'VALIDATION_ERROR' ? 'BAD_USER_INPUT' : original.code };
    if (original instanceof ValidationError) extensions['fieldErrors'] = original.fieldErrors;
    return createGraphQLError(safeMessage(original.message), { ...location, extensions });
  }
  // A GraphQLError (a scalar's parse error, say) is meant for the client. Yoga's own check is
  // instanceof, which misses one made by the other copy of graphql (ESM here, CJS in yoga).
  if (isGraphQLError(original)) return toSafeClientError(isGraphQLError(error) ? error : original);
  if (isBackendUnavailable(original)) {
    logger.warn({ err: original }, 'a backing service is unreachable; answered SERVICE_UNAVAILABLE');
    return createGraphQLError('The service cannot reach its database or storage right now; try again shortly', {
      ...location,
      extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'retry-after': '5' } } },
    });
  }
  logger.error({ err: original }, 'unexpected error (masked for the client)');
  // Never yoga's dev mode (on with NODE_ENV=development): it would send the original message and stack.
  return defaultMaskError(error, maskedMessage, false) as GraphQLError;
}

/** By name, not instanceof: a bundler or test runner may load two copies of graphql (ESM and CJS). */
function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

type LogArgs = unknown[];

/**
 * graphql-yoga's logger interface (console-like) over pino. Yoga logs every error it masks; the
 * app's maskError already logs the unexpected ones, so GraphQL errors and the caller's own
 * mistakes (a bad key, a forbidden call: logged where they are decided) go to debug here.
 */
export function toYogaLogger(logger: Logger) {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: LogArgs) => {
      const [first, ...rest] = args;
      if (first instanceof Error) {
        const effective = level === 'error' && isClientMistake(first) ? 'debug' : level;
        logger[effective]({ err: first }, first.message);
      } else {
        logger[level](rest.length > 0 ? { details: rest } : {}, String(first));
      }
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

function isClientMistake(error: Error): boolean {
  return (
    error.name === 'GraphQLError' ||
    error instanceof AppError ||
    error instanceof UnauthenticatedError ||
    error instanceof ForbiddenError ||
    error instanceof RateLimitedError
  );
}
