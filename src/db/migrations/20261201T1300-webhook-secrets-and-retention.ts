import { type Kysely, sql } from 'kysely';

// Frozen in time: later changes go into new migrations, never here.
//
// Secrets already stored in plain text are encrypted right after the migrations, by every process
// that starts (WebhooksService.sealPlainSecrets): encrypting needs WEBHOOK_SECRET_KEY, which a
// migration does not get (migrations are plain SQL, the same for every deployment, and the key
// must not pass through the database). Meanwhile NOT VALID makes PostgreSQL refuse any new plain
// value at once while leaving the rows written before it to that step.
const statements = [
  sql`ALTER TABLE webhook_endpoints
    ADD COLUMN previous_signing_secret text,
    ADD COLUMN previous_secret_expires_at timestamptz,
    ADD CONSTRAINT webhook_endpoints_previous_secret CHECK ((previous_signing_secret IS NULL) = (previous_secret_expires_at IS NULL)),
    ADD CONSTRAINT webhook_endpoints_previous_secret_sealed CHECK (previous_signing_secret LIKE 'enc1:%')`,
  sql`ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_secret_sealed CHECK (signing_secret LIKE 'enc1:%') NOT VALID`,
  // A deleted workflow's events are scrubbed in its delete's transaction, and old events pruned.
  sql`CREATE INDEX webhook_events_workflow_idx ON webhook_events (workflow_id)`,
  sql`CREATE INDEX webhook_events_created_idx ON webhook_events (created_at)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS webhook_events_created_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS webhook_events_workflow_idx`.execute(db);
  await sql`ALTER TABLE webhook_endpoints
    DROP CONSTRAINT webhook_endpoints_secret_sealed,
    DROP CONSTRAINT webhook_endpoints_previous_secret_sealed,
    DROP CONSTRAINT webhook_endpoints_previous_secret,
    DROP COLUMN previous_secret_expires_at,
    DROP COLUMN previous_signing_secret`.execute(db);
}
