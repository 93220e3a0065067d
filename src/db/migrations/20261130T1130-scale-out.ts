import { type Kysely, sql } from 'kysely';

// Frozen in time: later changes go into new migrations, never here.
const statements = [
  // One row per running job runner, refreshed by its heartbeat: how many workers are alive, for
  // /metrics and `framewright status`. A runner that stops removes its row; one that dies leaves
  // a row whose last_seen_at stops moving (and the runners prune such rows after a day).
  sql`CREATE TABLE workers (
    id text PRIMARY KEY,
    hostname text NOT NULL,
    pid integer NOT NULL,
    concurrency integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now()
  )`,
  // Per-key limits counted across API processes (rate-limiter-flexible's layout): logError calls.
  sql`CREATE TABLE rate_limits (
    key varchar(255) PRIMARY KEY,
    points integer NOT NULL DEFAULT 0,
    expire bigint
  )`,
  // Open workflowProgress subscriptions per key and API process, so MAX_SUBSCRIPTIONS_PER_KEY holds
  // across processes. A process refreshes seen_at while it lives; rows of a dead one stop counting.
  sql`CREATE TABLE subscription_counts (
    process_id text NOT NULL,
    key text NOT NULL,
    count integer NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key, process_id)
  )`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS subscription_counts`.execute(db);
  await sql`DROP TABLE IF EXISTS rate_limits`.execute(db);
  await sql`DROP TABLE IF EXISTS workers`.execute(db);
}
