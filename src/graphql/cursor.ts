import type { Workflow } from '../modules/workflows/workflow.ts';
import type { WorkflowCursor } from '../modules/workflows/workflows.service.ts';
import { ValidationError } from '../modules/shared/errors.ts';
import { assertUuid } from '../modules/shared/validation.ts';

// Cursors are a GraphQL connection's business: opaque to clients (base64url of the row's
// created_at and id), a keyset position to the service.

export function encodeCursor(workflow: Workflow): string {
  return Buffer.from(JSON.stringify([workflow.createdAt.toISOString(), workflow.id])).toString('base64url');
}

export function decodeCursor(cursor: string, field: string): WorkflowCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string') throw new Error('bad cursor');
    return { createdAt: date, id: assertUuid(id, field) };
  } catch {
    throw ValidationError.field(field, 'is not a cursor this API returned; pass an endCursor from a previous page');
  }
}
