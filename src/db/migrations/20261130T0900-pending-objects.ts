import { type Kysely, sql } from 'kysely';

// Frozen in time: later changes go into new migrations, never here.
const statements = [
  // An object written before the row that owns it commits: a crash in between leaves it here,
  // and the maintenance sweep removes it once it is old enough that no request still holds it.
  sql`CREATE TABLE pending_objects (
    key text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  sql`CREATE INDEX pending_objects_age_idx ON pending_objects (created_at)`,
  // Pruning drops whole weeks of the error logs, oldest first.
  sql`CREATE INDEX error_log_entries_week_idx ON error_log_entries (week)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS error_log_entries_week_idx`.execute(db);
  await sql`DROP TABLE IF EXISTS pending_objects`.execute(db);
}
