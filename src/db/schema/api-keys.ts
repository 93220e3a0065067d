import type { ColumnType, Insertable, Selectable } from 'kysely';

export interface ApiKeysTable {
  id: ColumnType<string, string | undefined, never>;
  customer_id: string;
  /** SHA-256 of the key, hex; the key itself is shown once and never stored. */
  key_hash: string;
  /** The first characters of the key, to tell keys apart in logs and support. */
  key_prefix: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The customer key this one was minted with; null when the admin key, the CLI or createCustomer made it. */
  minted_by_key_id: ColumnType<string | null, string | null | undefined, never>;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;
export type NewApiKeyRow = Insertable<ApiKeysTable>;
