/** Expected failures of the domain. The GraphQL layer maps each class to its error type, once. */
export abstract class AppError extends Error {
  abstract readonly code: 'VALIDATION_ERROR' | 'NOT_FOUND' | 'INSUFFICIENT_CREDIT' | 'BAD_REQUEST';
}

export interface FieldError {
  /** Dotted path of the input field, e.g. "input.options.aspectRatio". */
  field: string;
  message: string;
}

export class ValidationError extends AppError {
  readonly code = 'VALIDATION_ERROR';
  readonly fieldErrors: FieldError[];
  constructor(fieldErrors: FieldError[]) {
    super(
      fieldErrors.length === 1
        ? `Invalid input: ${fieldErrors[0]!.field} ${fieldErrors[0]!.message}`
        : `Invalid input: ${fieldErrors.map((e) => e.field).join(', ')}`,
    );
    this.fieldErrors = fieldErrors;
  }
  static field(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

export type ResourceName = 'Workflow' | 'Model' | 'Customer' | 'Upload' | 'WebhookEndpoint' | 'WebhookDelivery' | 'ApiKey';

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND';
  readonly resource: ResourceName;
  readonly id: string;
  constructor(resource: ResourceName, id: string) {
    super(`${resource} ${JSON.stringify(id)} was not found`);
    this.resource = resource;
    this.id = id;
  }
}

export class InsufficientCreditError extends AppError {
  readonly code = 'INSUFFICIENT_CREDIT';
  readonly required: number;
  readonly available: number;
  constructor(required: number, available: number) {
    super(`This run costs ${required} credit(s); the balance is ${available}`);
    this.required = required;
    this.available = available;
  }
}

export class BadRequestError extends AppError {
  readonly code = 'BAD_REQUEST';
}

/** The caller gave no key where one is needed, or a key that is not valid. */
export class UnauthenticatedError extends Error {
  override name = 'UnauthenticatedError';
}

/** The caller's key may not do this (an admin-only operation with a customer key). */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

/** Too many calls from one API key; the caller may try again after retryAfterSeconds. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
