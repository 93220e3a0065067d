import { isBackendUnavailable } from '../http/backend-unavailable.ts';
import { safeMessage } from '../http/client-errors.ts';
import type { Logger } from '../logger.ts';
import {
  BadRequestError,
  type FieldError,
  ForbiddenError,
  InsufficientCreditError,
  NotFoundError,
  RateLimitedError,
  UnauthenticatedError,
  ValidationError,
} from '../modules/shared/errors.ts';
import type { ErrorBody } from './schemas.ts';

/** A body past the GraphQL door's limit (the same limit holds here). */
export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
}

export interface RestError {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
}

type Code = ErrorBody['error']['code'];

function restError(status: number, code: Code, message: string, details?: FieldError[], headers?: Record<string, string>): RestError {
  const body: ErrorBody = { error: { code, message: safeMessage(message), ...(details ? { details } : {}) } };
  return { status, body, ...(headers ? { headers } : {}) };
}

/** The services name fields as GraphQL's input does ("input.options.aspectRatio"); REST names them as its body does. */
const RENAMED: Record<string, string> = {
  source: 'image',
  first: 'limit',
  after: 'cursor',
  uploadId: 'upload_id',
  idempotencyKey: 'Idempotency-Key',
};

export function restFieldName(field: string): string {
  return field
    .replace(/^input\./, '')
    .split('.')
    .map((part) => RENAMED[part] ?? part.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`))
    .join('.');
}

/** Model, upload and customer ids are fields of the body, unlike the workflow's id in the path. */
const BODY_FIELDS: Partial<Record<NotFoundError['resource'], FieldError>> = {
  Model: { field: 'model', message: 'is not a model' },
  Upload: { field: 'upload_id', message: 'is not an upload of yours' },
  Customer: { field: 'customer_id', message: 'is not a customer' },
};

function notFound(error: NotFoundError): RestError {
  const field = BODY_FIELDS[error.resource];
  return field ? restError(422, 'validation_error', error.message, [field]) : restError(404, 'not_found', error.message);
}

/**
 * The one place where the services' typed errors become REST statuses and bodies. Anything
 * unexpected is logged here and masked, as the GraphQL door does.
 */
export function toRestError(error: unknown, logger: Logger): RestError {
  if (error instanceof UnauthenticatedError)
    return restError(401, 'unauthenticated', error.message, undefined, { 'www-authenticate': 'Bearer' });
  if (error instanceof ForbiddenError) return restError(403, 'forbidden', error.message);
  if (error instanceof RateLimitedError) {
    return restError(429, 'rate_limited', error.message, undefined, { 'retry-after': String(error.retryAfterSeconds) });
  }
  if (error instanceof PayloadTooLargeError) return restError(413, 'payload_too_large', error.message);
  if (error instanceof InsufficientCreditError) {
    return restError(402, 'insufficient_credit', error.message, [
      { field: 'required', message: String(error.required) },
      { field: 'available', message: String(error.available) },
    ]);
  }
  if (error instanceof NotFoundError) return notFound(error);
  if (error instanceof ValidationError) {
    // A malformed id in the path names no workflow: as absent as another customer's.
    if (error.fieldErrors.every((fieldError) => fieldError.field === 'id')) return restError(404, 'not_found', error.message);
    const details = error.fieldErrors.map((fieldError) => ({ field: restFieldName(fieldError.field), message: fieldError.message }));
    return restError(422, 'validation_error', error.message, details);
  }
  if (error instanceof BadRequestError) return restError(400, 'bad_request', error.message);
  if (isBackendUnavailable(error)) {
    logger.warn({ err: error }, 'a backing service is unreachable; answered 503');
    return restError(
      503,
      'service_unavailable',
      'The service cannot reach its database or storage right now; try again shortly',
      undefined,
      {
        'retry-after': '5',
      },
    );
  }
  logger.error({ err: error }, 'unexpected error (masked for the client)');
  return restError(500, 'internal', 'Unexpected error.');
}
