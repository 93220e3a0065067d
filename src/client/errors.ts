/** A field the service refused, e.g. { field: "input.options.aspectRatio", message: "..." }. */
export interface FieldError {
  field: string;
  message: string;
}

/** Anything the client reports: `code` says which kind, for scripts to branch on. */
export class FramewrightError extends Error {
  override readonly name: string = 'FramewrightError';
  constructor(
    message: string,
    /** e.g. VALIDATION_ERROR, NOT_FOUND, INSUFFICIENT_CREDIT, UNAUTHENTICATED, NETWORK_ERROR. */
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * An expected failure the service answered as data (ValidationError, NotFoundError,
 * InsufficientCreditError, BadRequestError), with what it said about it.
 */
export class FramewrightApiError extends FramewrightError {
  override readonly name = 'FramewrightApiError';
  constructor(
    message: string,
    code: string,
    readonly details: { fieldErrors?: FieldError[]; required?: number; available?: number; resource?: string } = {},
  ) {
    super(message, code);
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
  constructor(
    message: string,
    code: string,
    /** The HTTP status, when there was an answer. */
    readonly status?: number,
  ) {
    super(message, code);
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
