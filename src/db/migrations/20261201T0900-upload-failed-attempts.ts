import { type Kysely, sql } from 'kysely';

// Frozen in time: later changes go into new migrations, never here.
const statements = [
  // createWorkflow calls that read an upload's bytes and then failed (a header the pipeline can
  // never take, a balance that fell short): past a few the upload is refused, so one upload cannot
  // be fed to createWorkflow again and again.
  sql`ALTER TABLE uploads ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE uploads DROP COLUMN IF EXISTS failed_attempts`.execute(db);
}
