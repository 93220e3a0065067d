import { CompiledQuery, type RawBuilder, sql } from 'kysely';
import type { Executor, Trx } from '../db/database.ts';
import type { WorkflowRow } from '../db/schema/workflows.ts';
import type { ClaimRow } from './run-claim.ts';

// The statements that read the jobs table together with a workflow: here, with every other
// statement on jobs, rather than in the workflows module that calls them.

/** A run's workflow, locked with its job. */
export interface LockedRun {
  workflow: WorkflowRow;
}

/**
 * Locks the workflow's row, then the job's if it is still this worker's, in one statement: the
 * lateral join runs once the workflow's row is locked, so the order cancel, retry and delete
 * follow (the workflow's row, then the job's) holds. Undefined when either is gone or the job is
 * no longer ours.
 */
export async function lockRun(trx: Trx, workflowId: string, jobId: string, workerId: string): Promise<LockedRun | undefined> {
  const { rows } = await trx.executeQuery<WorkflowRow>(CompiledQuery.raw(LOCK_RUN, [workflowId, jobId, workerId]));
  const workflow = rows[0];
  return workflow ? { workflow } : undefined;
}

const LOCK_RUN = `
  SELECT w.*
  FROM (SELECT * FROM workflows WHERE id = $1 FOR UPDATE) AS w
  CROSS JOIN LATERAL (
    SELECT 1 FROM jobs WHERE jobs.id = $2 AND jobs.workflow_id = w.id AND jobs.locked_by = $3 AND jobs.status = 'RUNNING' FOR UPDATE
  ) AS owned`;

/**
 * What endRunAtOnce did: ended the run (the workflow's new version, and the runs claimed with it
 * for the slot it freed), left it to a transaction, or found the job no longer ours.
 */
export type RunEnd = { ended: true; version: number; next: ClaimRow[] } | { ended: false; reason: 'listened' | 'lost' };

/** endRunAtOnce's statement, compiled once for a listener's check; `slots` are where the run's values go. */
export interface EndRunStatement {
  sql: string;
  parameters: readonly unknown[];
  slots: readonly number[];
}

const RUN_SLOTS = ['workflowId', 'jobId', 'workerId', 'customerId', 'notify', 'leaseSeconds', 'next', 'startProgress'] as const;
type EndingRun = {
  workflowId: string;
  jobId: string;
  workerId: string;
  customerId: string;
  notify: boolean;
  /** The lease, the most runs to claim for the freed slot (0: none) and the claim's start_progress (startProgressArgument). */
  leaseSeconds: number;
  next: number;
  startProgress: string;
};

/**
 * A run's SUCCESS with its job DONE, as one statement: framewright_end_run (migration
 * 20261207T1500-run-functions) takes lockRun's locks in lockRun's order, then ends both, unless
 * `listened` (SQL over a `workflows` row, of which only customer_id is read) says someone is to be
 * told of the end: then it changes nothing and the caller records the end in a transaction (the
 * webhooks' outbox). The check runs in the calling statement, on the run's customer (a workflow's
 * never changes), with that statement's snapshot, as it did inside the single statement before.
 * Once the run ended, the same call claims up to `next` runs for the slot it freed
 * (framewright_end_run_then_claim, migration 20261207T1800-end-run-then-claim): a worker draining
 * a queue sends one statement a run. Compiled once: endRunAtOnce fills in the run.
 */
export function endRunStatement(db: Executor, listened: RawBuilder<boolean>): EndRunStatement {
  const markers = RUN_SLOTS.map((slot) => `\u0000${slot}`);
  const [workflowId, jobId, workerId, customerId, notify, leaseSeconds, next, startProgress] = markers;
  const compiled = sql`
    SELECT ended.owned, heard.listened, ended.version, ended.next
    FROM (SELECT ${customerId}::uuid AS customer_id) AS workflows
    CROSS JOIN LATERAL (SELECT ${listened} AS listened) AS heard
    CROSS JOIN LATERAL framewright_end_run_then_claim(${workflowId}, ${jobId}, ${workerId}, heard.listened, ${notify},
      ${leaseSeconds}, ${next}, ${startProgress}) AS ended`.compile(db);
  const slots = markers.map((marker) => compiled.parameters.indexOf(marker));
  if (slots.includes(-1)) throw new Error('the end statement lost a parameter');
  return { sql: compiled.sql, parameters: compiled.parameters, slots };
}

/** Runs endRunStatement's statement (its own transaction) for `run`; with `notify` it sends the workflow's message too (and the claimed runs'). */
export async function endRunAtOnce(db: Executor, run: EndingRun, statement: EndRunStatement): Promise<RunEnd> {
  const parameters = [...statement.parameters];
  for (const [index, slot] of RUN_SLOTS.entries()) parameters[statement.slots[index]!] = run[slot];
  const { rows } = await db.executeQuery<{ owned: boolean; listened: boolean; version: number | null; next: ClaimRow[] | null }>(
    CompiledQuery.raw(statement.sql, parameters),
  );
  const row = rows[0];
  if (!row?.owned) return { ended: false, reason: 'lost' };
  if (row.listened || row.version === null) return { ended: false, reason: 'listened' };
  return { ended: true, version: row.version, next: row.next ?? [] };
}
