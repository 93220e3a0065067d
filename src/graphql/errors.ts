import {
  type AppError,
  BadRequestError,
  type FieldError,
  InsufficientCreditError,
  NotFoundError,
  ValidationError,
} from '../modules/shared/errors.ts';
import { builder } from './builder.ts';

export const ErrorCode = builder.enumType('ErrorCode', {
  values: ['VALIDATION_ERROR', 'NOT_FOUND', 'INSUFFICIENT_CREDIT', 'BAD_REQUEST'] as const,
});

export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'Every expected failure is returned as data, as one of these.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.field({ type: ErrorCode, resolve: (error) => error.code }),
  }),
});

const FieldErrorType = builder.objectRef<FieldError>('FieldError').implement({
  fields: (t) => ({
    field: t.exposeString('field', { description: 'Dotted path of the offending input field, e.g. "input.options.aspectRatio".' }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({
    fieldErrors: t.field({ type: [FieldErrorType], resolve: (error) => error.fieldErrors }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({
    resource: t.exposeString('resource', {
      description: 'What was not found: "Workflow", "Model", "Customer", "Upload", "ApiKey", "WebhookEndpoint" or "WebhookDelivery".',
    }),
    id: t.exposeString('id'),
  }),
});

builder.objectType(InsufficientCreditError, {
  name: 'InsufficientCreditError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InsufficientCreditError,
  fields: (t) => ({
    required: t.exposeInt('required'),
    available: t.exposeInt('available'),
  }),
});

builder.objectType(BadRequestError, {
  name: 'BadRequestError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof BadRequestError,
  fields: () => ({}),
});
