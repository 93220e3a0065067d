import { ValidationError } from '../modules/shared/errors.ts';
import { assertUuid } from '../modules/shared/validation.ts';

// Cursors are a GraphQL connection's business: opaque to clients (base64url of the row's
// created_at and id), a keyset position to the service. Lists are newest first on (created_at, id).

/** A keyset position: the (created_at, id) of the last row of the page before. */
export interface KeysetCursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(row: KeysetCursor): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string, field: string): KeysetCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    // Every cursor we hand out holds a row's created_at; a date Postgres cannot hold was forged.
    const year = date.getUTCFullYear();
    if (Number.isNaN(date.getTime()) || year < 1 || year > 9999 || typeof id !== 'string') throw new Error('bad cursor');
    return { createdAt: date, id: assertUuid(id, field) };
  } catch {
    throw ValidationError.field(field, 'is not a cursor this API returned; pass an endCursor from a previous page');
  }
}
