import { type Kysely, sql } from 'kysely';

// Frozen in time: later changes go into new migrations, never here.
//
// A run's SUCCESS and the claim of the next run for the slot it frees, in one call: a worker that
// drains a queue then sends one statement a run, not two (the end, then a claim). The end is
// framewright_end_run's, unchanged; only when it ended the run (the job was still ours and nobody
// listens for the end) does the claim run, for at most `p_next` jobs (0: none), with
// framewright_claim_runs' rules. The claim commits without waiting for its WAL flush; the end
// did not, and does not here: the setting is put back before the transaction commits.
// `next` is the claimed rows as framewright_claim_runs returns them, as a JSON array (null when
// no claim ran).
const CREATE_END_RUN_THEN_CLAIM = sql`
    CREATE FUNCTION framewright_end_run_then_claim(p_workflow uuid, p_job bigint, p_worker text, p_listened boolean, p_notify boolean,
      p_lease_seconds double precision, p_next integer, p_start_progress jsonb)
    RETURNS TABLE (owned boolean, version integer, next json)
    LANGUAGE plpgsql AS $end_claim$
    DECLARE
      commit_mode text := current_setting('synchronous_commit');
    BEGIN
      SELECT e.owned, e.version INTO owned, version FROM framewright_end_run(p_workflow, p_job, p_worker, p_listened, p_notify) AS e;
      next := NULL;
      IF version IS NOT NULL AND p_next > 0 THEN
        SELECT coalesce(json_agg(c), '[]'::json) INTO next
        FROM framewright_claim_runs(p_worker, p_lease_seconds, p_next, p_start_progress, p_notify) AS c;
        PERFORM set_config('synchronous_commit', commit_mode, true);
      END IF;
      RETURN NEXT;
    END
    $end_claim$`;

export async function up(db: Kysely<any>): Promise<void> {
  await CREATE_END_RUN_THEN_CLAIM.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS framewright_end_run_then_claim(uuid, bigint, text, boolean, boolean, double precision, integer, jsonb)`.execute(
    db,
  );
}
