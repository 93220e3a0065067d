import type { ApiKeyRow } from '../../db/schema/api-keys.ts';

/** A key as its customer sees it: never the key itself, which is shown once, at creation. */
export interface ApiKey {
  id: string;
  customerId: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
  /** The customer key this one was minted with; null when the admin key, the CLI or createCustomer made it. */
  mintedByKeyId: string | null;
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    customerId: row.customer_id,
    prefix: row.key_prefix,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    mintedByKeyId: row.minted_by_key_id,
  };
}
