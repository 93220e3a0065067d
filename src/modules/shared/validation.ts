import type { z } from 'zod';
import { ValidationError } from './errors.ts';

/** Parses with a zod schema; every issue becomes a fieldErrors entry under `prefix` (e.g. "input"). */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
      message: issue.message,
    })),
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; a malformed one is a ValidationError on its field, before any query runs. */
export function assertUuid(value: string, field: string): string {
  if (!UUID.test(value)) throw ValidationError.field(field, 'must be a UUID, e.g. 7f0c1c3e-8a4b-4e0f-9a57-2d1f8c3b6e10');
  return value.toLowerCase();
}
