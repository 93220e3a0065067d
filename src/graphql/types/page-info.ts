import { builder } from '../builder.ts';
import { encodeCursor, type KeysetCursor } from '../cursor.ts';

/** The page of a connection (workflows, webhook deliveries), Relay's shape. */
export const PageInfoType = builder
  .objectRef<{ hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }>('PageInfo')
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage'),
      hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
      startCursor: t.exposeString('startCursor', { nullable: true }),
      endCursor: t.exposeString('endCursor', { nullable: true }),
    }),
  });

/** The pageInfo of a page of rows listed newest first on (created_at, id). */
export function pageInfoOf(rows: readonly KeysetCursor[], page: { hasNextPage: boolean; hasPreviousPage: boolean }) {
  const first = rows[0];
  const last = rows.at(-1);
  return {
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.hasPreviousPage,
    startCursor: first ? encodeCursor(first) : null,
    endCursor: last ? encodeCursor(last) : null,
  };
}
