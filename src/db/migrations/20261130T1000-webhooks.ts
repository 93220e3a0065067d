import { type Kysely, sql } from 'kysely';

// Frozen in time: later changes go into new migrations, never here.
const statements = [
  sql`CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    url text NOT NULL,
    events text[] NOT NULL,
    signing_secret text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  sql`CREATE INDEX webhook_endpoints_customer_idx ON webhook_endpoints (customer_id, created_at)`,
  // The outbox: written in the transaction of the change it reports, with the workflow as it was.
  sql`CREATE TABLE webhook_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    workflow_id uuid NOT NULL,
    type text NOT NULL,
    workflow jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  sql`CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
    attempts integer NOT NULL DEFAULT 0,
    last_status_code integer,
    last_error text,
    next_attempt_at timestamptz DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
  )`,
  sql`CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC)`,
  sql`CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id)`,
  // Deliveries ride the same queue as workflow runs, as a second kind of job.
  sql`ALTER TABLE jobs ADD COLUMN kind text NOT NULL DEFAULT 'WORKFLOW_RUN' CHECK (kind IN ('WORKFLOW_RUN', 'WEBHOOK_DELIVERY'))`,
  sql`ALTER TABLE jobs ALTER COLUMN workflow_id DROP NOT NULL`,
  sql`ALTER TABLE jobs ADD COLUMN delivery_id uuid UNIQUE REFERENCES webhook_deliveries (id) ON DELETE CASCADE`,
  sql`ALTER TABLE jobs ADD CONSTRAINT jobs_kind_target CHECK (
    (kind = 'WORKFLOW_RUN' AND workflow_id IS NOT NULL AND delivery_id IS NULL)
    OR (kind = 'WEBHOOK_DELIVERY' AND delivery_id IS NOT NULL AND workflow_id IS NULL)
  )`,
  sql`DROP INDEX jobs_claimable_idx`,
  sql`CREATE INDEX jobs_claimable_idx ON jobs (kind, run_at, id) WHERE status IN ('QUEUED', 'RUNNING')`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM jobs WHERE kind = 'WEBHOOK_DELIVERY'`.execute(db);
  await sql`DROP INDEX jobs_claimable_idx`.execute(db);
  await sql`CREATE INDEX jobs_claimable_idx ON jobs (run_at, id) WHERE status IN ('QUEUED', 'RUNNING')`.execute(db);
  await sql`ALTER TABLE jobs DROP CONSTRAINT jobs_kind_target, DROP COLUMN delivery_id, DROP COLUMN kind`.execute(db);
  await sql`ALTER TABLE jobs ALTER COLUMN workflow_id SET NOT NULL`.execute(db);
  for (const table of ['webhook_deliveries', 'webhook_events', 'webhook_endpoints']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
