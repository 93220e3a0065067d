import { type Kysely, sql } from 'kysely';

// Frozen in time: later changes go into new migrations, never here.

export async function up(db: Kysely<any>): Promise<void> {
  // The W3C traceparent of the request that created or retried the job (null with tracing off):
  // the worker's spans continue that trace, whichever process runs the job and however often.
  await sql`ALTER TABLE jobs ADD COLUMN trace_parent text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE jobs DROP COLUMN IF EXISTS trace_parent`.execute(db);
}
