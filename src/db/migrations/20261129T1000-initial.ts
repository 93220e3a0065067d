import { type Kysely, sql } from 'kysely';

// Frozen in time: later changes go into new migrations, never here.
const statements = [
  sql`CREATE TABLE customers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    credits integer NOT NULL DEFAULT 0 CHECK (credits >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  sql`CREATE TABLE api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    key_hash text NOT NULL UNIQUE,
    key_prefix text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
  )`,
  sql`CREATE TABLE credit_ledger (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    amount integer NOT NULL CHECK (amount <> 0),
    reason text NOT NULL CHECK (reason IN ('GRANT', 'RESERVATION', 'REFUND')),
    workflow_id uuid,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  sql`CREATE INDEX credit_ledger_customer_idx ON credit_ledger (customer_id, id)`,
  sql`CREATE INDEX credit_ledger_workflow_idx ON credit_ledger (workflow_id) WHERE workflow_id IS NOT NULL`,
  sql`CREATE TABLE workflows (
    id uuid PRIMARY KEY,
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    title text NOT NULL,
    description text,
    visibility text NOT NULL CHECK (visibility IN ('PRIVATE', 'PUBLIC')),
    model text NOT NULL,
    aspect_ratio text NOT NULL,
    pipeline_mode text NOT NULL CHECK (pipeline_mode IN ('IMAGE', 'VIDEO')),
    primary_user_id text NOT NULL,
    processing_status text NOT NULL DEFAULT 'QUEUED'
      CHECK (processing_status IN ('QUEUED', 'PROCESSING', 'SUCCESS', 'FAILED', 'CANCELED')),
    progress_percentage integer NOT NULL DEFAULT 0 CHECK (progress_percentage BETWEEN 0 AND 100),
    credit_cost integer NOT NULL CHECK (credit_cost >= 0),
    error text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  // Serves the newest-first listing: (created_at, id) is the cursor.
  sql`CREATE INDEX workflows_customer_created_idx ON workflows (customer_id, created_at DESC, id DESC)`,
  sql`CREATE INDEX workflows_created_idx ON workflows (created_at DESC, id DESC)`,
  sql`CREATE TABLE completions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_id uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    flow text NOT NULL,
    position integer NOT NULL,
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'SKIPPED')),
    attempts integer NOT NULL DEFAULT 0,
    started_at timestamptz,
    completed_at timestamptz,
    error text,
    UNIQUE (workflow_id, flow),
    UNIQUE (workflow_id, position)
  )`,
  sql`CREATE TABLE media_files (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_id uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    role text NOT NULL,
    key text NOT NULL UNIQUE,
    content_type text NOT NULL,
    size bigint NOT NULL CHECK (size >= 0),
    width integer,
    height integer,
    duration_ms integer,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  sql`CREATE INDEX media_files_workflow_idx ON media_files (workflow_id, role)`,
  sql`CREATE TABLE uploads (
    id uuid PRIMARY KEY,
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    key text NOT NULL UNIQUE,
    filename text NOT NULL,
    content_type text NOT NULL,
    size integer NOT NULL CHECK (size > 0),
    expires_at timestamptz NOT NULL,
    consumed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  // The row is inserted before the workflow in the same transaction, so the check waits for commit.
  sql`CREATE TABLE idempotency_keys (
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    key text NOT NULL,
    workflow_id uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, key)
  )`,
  sql`CREATE TABLE jobs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow_id uuid NOT NULL UNIQUE REFERENCES workflows (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED', 'CANCELED')),
    run_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    locked_by text,
    locked_until timestamptz,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  sql`CREATE INDEX jobs_claimable_idx ON jobs (run_at, id) WHERE status IN ('QUEUED', 'RUNNING')`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'jobs',
    'idempotency_keys',
    'uploads',
    'media_files',
    'completions',
    'workflows',
    'credit_ledger',
    'api_keys',
    'customers',
  ]) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
