import { type Kysely, sql } from 'kysely';

// Frozen in time: later changes go into new migrations, never here.
const statements = [
  sql`CREATE TABLE error_log_entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    week text NOT NULL CHECK (week ~ '^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$'),
    line text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  // One file is (customer_id, week); its lines are read in id order.
  sql`CREATE INDEX error_log_entries_file_idx ON error_log_entries (customer_id, week, id)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS error_log_entries`.execute(db);
}
