/** A field the service refused, e.g. { field: "input.options.aspectRatio", message: "..." }. */
export interface FieldError {
  field: string;
  message: string;
}

/** Anything the client reports: `code` says which kind, for scripts to branch on. */
export class FramewrightError extends Error {
  override readonly name: string = 'FramewrightError';
  readonly code: string;
  constructor(
    message: string,
    /** e.g. VALIDATION_ERROR, NOT_FOUND, INSUFFICIENT_CREDIT, UNAUTHENTICATED, NETWORK_ERROR. */
    code: string,
  ) {
    super(message);
    this.code = code;
  }
}

/**
 * An expected failure the service answered as data (ValidationError, NotFoundError,
 * InsufficientCreditError, BadRequestError), with what it said about it.
 */
export class FramewrightApiError extends FramewrightError {
  override readonly name = 'FramewrightApiError';
  readonly details: { fieldErrors?: FieldError[]; required?: number; available?: number; resource?: string };
  constructor(
    message: string,
    code: string,
    details: { fieldErrors?: FieldError[]; required?: number; available?: number; resource?: string } = {},
  ) {
    super(message, code);
    this.details = details;
  }

  /** The message with each refused field, on one line. */
  describe(): string {
    const fields = this.details.fieldErrors?.map((e) => `${e.field}: ${e.message}`) ?? [];
    return fields.length > 0 ? `${this.message} (${fields.join('; ')})` : this.message;
  }
}

/**
 * The request itself failed: a GraphQL error (a bad key is UNAUTHENTICATED, an admin-only call
 * FORBIDDEN, a burst RATE_LIMITED), an HTTP status without a GraphQL answer, or no answer at all
 * (NETWORK_ERROR).
 */
export class FramewrightRequestError extends FramewrightError {
  override readonly name = 'FramewrightRequestError';
  readonly status?: number;
  constructor(
    message: string,
    code: string,
    /** The HTTP status, when there was an answer. */
    status?: number,
  ) {
    super(message, code);
    this.status = status;
  }
}

interface ErrorShape {
  __typename: string;
  code?: string;
  message?: string;
  fieldErrors?: FieldError[];
  required?: number;
  available?: number;
  resource?: string;
}

/**
 * The member of a result union that was asked for, or the expected failure the service sent in
 * its place, thrown.
 */
export function unwrap<T extends { __typename: string }, N extends T['__typename']>(result: T, typename: N): Extract<T, { __typename: N }> {
  if (result.__typename === typename) return result as Extract<T, { __typename: N }>;
  const error = result as unknown as ErrorShape;
  const { fieldErrors, required, available, resource } = error;
  throw new FramewrightApiError(error.message ?? `unexpected ${error.__typename}`, error.code ?? error.__typename, {
    ...(fieldErrors ? { fieldErrors } : {}),
    ...(required !== undefined ? { required } : {}),
    ...(available !== undefined ? { available } : {}),
    ...(resource ? { resource } : {}),
  });
}
