import { type Kysely, sql } from 'kysely';

// Frozen in time: later changes go into new migrations, never here.
const statements = [
  // The customer key a key was minted with: revokeApiKey(cascade: true) follows it down to revoke
  // everything a leaked key made. Null for keys made by the admin key (not a row), the CLI and
  // createCustomer, and for every key made before this column.
  sql`ALTER TABLE api_keys ADD COLUMN minted_by_key_id uuid REFERENCES api_keys (id) ON DELETE SET NULL`,
  sql`CREATE INDEX api_keys_minted_by_idx ON api_keys (minted_by_key_id) WHERE minted_by_key_id IS NOT NULL`,
  // createApiKey counts a customer's live keys against MAX_API_KEYS_PER_CUSTOMER.
  sql`CREATE INDEX api_keys_live_idx ON api_keys (customer_id) WHERE revoked_at IS NULL`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS api_keys_live_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS api_keys_minted_by_idx`.execute(db);
  await sql`ALTER TABLE api_keys DROP COLUMN IF EXISTS minted_by_key_id`.execute(db);
}
