import { type Kysely, sql } from 'kysely';

// Frozen in time: later changes go into new migrations, never here.
//
// The two statements of a run with nothing to do, as functions: the claim of workflow runs, which
// also starts them (src/queue/run-claim.ts says why and how), and a run's SUCCESS
// (src/queue/run-lock.ts). A function's statements are parsed and planned once per server
// connection, where the same work as one statement with data-modifying CTEs was parsed and planned
// at every call (more of the database's CPU than the work itself). Unlike a named prepared
// statement a function keeps no state on the client's session, so it works through PgBouncer in
// transaction mode. Each statement is a lookup by key, so the plans cached for any values fit.
//
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

// Locks the workflow's row, then the job's if it is still `p_worker`'s (the order cancel, retry and
// delete follow); then, unless `p_listened` (someone is to be told of the end, which the caller
// records in a transaction of its own), the workflow SUCCESS at 100 % and its job DONE. One row:
// whether the job was still ours, and the workflow's new version when it ended.
const CREATE_END_RUN = sql`
    CREATE FUNCTION framewright_end_run(p_workflow uuid, p_job bigint, p_worker text, p_listened boolean, p_notify boolean)
    RETURNS TABLE (owned boolean, version integer)
    LANGUAGE plpgsql AS $end$
    BEGIN
      PERFORM 1 FROM workflows w WHERE w.id = p_workflow FOR UPDATE;
      PERFORM 1 FROM jobs j WHERE j.id = p_job AND j.workflow_id = p_workflow AND j.locked_by = p_worker AND j.status = 'RUNNING' FOR UPDATE;
      owned := FOUND;
      version := NULL;
      IF owned AND NOT p_listened THEN
        UPDATE jobs j SET status = 'DONE', locked_by = NULL, locked_until = NULL, last_error = NULL, updated_at = now() WHERE j.id = p_job;
        UPDATE workflows w SET processing_status = 'SUCCESS', progress_percentage = 100, error = NULL, version = w.version + 1, updated_at = now()
        WHERE w.id = p_workflow
        RETURNING w.version INTO version;
        IF p_notify THEN
          PERFORM pg_notify('framewright_workflow_events', json_build_object('workflowId', p_workflow, 'version', version)::text);
        END IF;
      END IF;
      RETURN NEXT;
    END
    $end$`;

export async function up(db: Kysely<any>): Promise<void> {
  await CREATE_CLAIM_RUNS.execute(db);
  await CREATE_END_RUN.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS framewright_end_run(uuid, bigint, text, boolean, boolean)`.execute(db);
  await sql`DROP FUNCTION IF EXISTS framewright_claim_runs(text, double precision, integer, jsonb, boolean)`.execute(db);
}
