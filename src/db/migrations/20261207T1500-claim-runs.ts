import { type Kysely, sql } from 'kysely';

// Frozen in time: later changes go into new migrations, never here.
//
// The claim of workflow runs, which also starts them (src/queue/run-claim.ts says why and how), as
// a function: its statements are parsed and planned once per server connection, where the same
// work as one statement sent by the worker was parsed and planned on every claim (0.4 ms of the
// database's CPU, more than the claim's own work). Unlike a named prepared statement this keeps no
// state on the client's session, so it works through PgBouncer in transaction mode.
//
// Each statement is a lookup by key, so the plans cached for any values are the right ones.
// `start_progress` maps 'MODE:FLOW' to the workflow's percentage when that flow starts.
const CREATE_CLAIM_RUNS = sql`
    CREATE FUNCTION framewright_claim_runs(worker text, lease_seconds double precision, max_jobs integer, start_progress jsonb, notify boolean)
    RETURNS TABLE (job json, workflow json, flows json, going boolean, was_queued boolean, started_flow text, started_attempts integer, started_version integer)
    LANGUAGE plpgsql AS $claim$
    DECLARE
      candidate record;
      locked record;
      first_pending text;
      claimed jobs;
    BEGIN
      PERFORM set_config('synchronous_commit', 'off', true);
      FOR candidate IN
        SELECT j.id, j.workflow_id FROM jobs j
        WHERE j.kind = 'WORKFLOW_RUN'
          AND ((j.status = 'QUEUED' AND j.run_at <= now()) OR (j.status = 'RUNNING' AND j.locked_until < now()))
        ORDER BY j.run_at, j.id
        LIMIT max_jobs
        FOR UPDATE SKIP LOCKED
      LOOP
        SELECT w.id, w.customer_id, w.title, w.model, w.aspect_ratio, w.pipeline_mode, w.credit_cost, w.processing_status
        INTO locked FROM workflows w WHERE w.id = candidate.workflow_id FOR UPDATE SKIP LOCKED;
        -- Its workflow is being changed: the job stays QUEUED for the next claim.
        CONTINUE WHEN NOT FOUND;
        -- A statement of its own, so its snapshot is taken under the workflow's lock: every writer of
        -- completions takes that lock first, so this reads their latest state.
        SELECT coalesce(json_agg(json_build_object('flow', x.flow, 'status', x.status) ORDER BY x.position), '[]'::json),
          (array_agg(x.flow ORDER BY x.position) FILTER (WHERE x.status NOT IN ('SUCCESS', 'SKIPPED')))[1]
        INTO flows, first_pending
        FROM completions x WHERE x.workflow_id = locked.id;
        going := locked.processing_status IN ('QUEUED', 'PROCESSING');
        was_queued := locked.processing_status = 'QUEUED';
        UPDATE jobs j SET
          status = CASE WHEN going THEN 'RUNNING' WHEN locked.processing_status = 'SUCCESS' THEN 'DONE' ELSE 'CANCELED' END,
          locked_by = CASE WHEN going THEN worker END,
          locked_until = CASE WHEN going THEN now() + make_interval(secs => lease_seconds) END,
          last_error = CASE WHEN going THEN j.last_error END,
          attempts = j.attempts + 1,
          updated_at = now()
        WHERE j.id = candidate.id
        RETURNING j.* INTO claimed;
        job := to_json(claimed);
        workflow := json_build_object('id', locked.id, 'customer_id', locked.customer_id, 'title', locked.title, 'model', locked.model,
          'aspect_ratio', locked.aspect_ratio, 'pipeline_mode', locked.pipeline_mode, 'credit_cost', locked.credit_cost);
        started_flow := NULL;
        started_attempts := NULL;
        started_version := NULL;
        IF going AND first_pending IS NOT NULL THEN
          UPDATE completions c SET status = 'RUNNING', attempts = c.attempts + 1, started_at = now(), completed_at = NULL, error = NULL
          WHERE c.workflow_id = locked.id AND c.flow = first_pending
          RETURNING c.flow, c.attempts INTO started_flow, started_attempts;
        END IF;
        IF going AND (was_queued OR first_pending IS NOT NULL) THEN
          UPDATE workflows w SET
            processing_status = 'PROCESSING',
            progress_percentage = greatest(w.progress_percentage, coalesce((start_progress ->> (w.pipeline_mode || ':' || first_pending))::integer, 0)),
            version = w.version + 1,
            updated_at = now()
          WHERE w.id = locked.id
          RETURNING w.version INTO started_version;
          IF notify THEN
            PERFORM pg_notify('framewright_workflow_events', json_build_object('workflowId', locked.id, 'version', started_version)::text);
          END IF;
        END IF;
        RETURN NEXT;
      END LOOP;
    END
    $claim$`;

export async function up(db: Kysely<any>): Promise<void> {
  await CREATE_CLAIM_RUNS.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS framewright_claim_runs(text, double precision, integer, jsonb, boolean)`.execute(db);
}
