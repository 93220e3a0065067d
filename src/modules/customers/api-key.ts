import type { ApiKeyRow } from '../../db/schema/api-keys.ts';

/** A key as its customer sees it: never the key itself, which is shown once, at creation. */
export interface ApiKey {
  id: string;
  customerId: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return { id: row.id, customerId: row.customer_id, prefix: row.key_prefix, createdAt: row.created_at, revokedAt: row.revoked_at };
}
