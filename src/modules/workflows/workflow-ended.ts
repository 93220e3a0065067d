import type { RawBuilder } from 'kysely';
import type { Trx } from '../../db/database.ts';
import type { WorkflowRow } from '../../db/schema/workflows.ts';
import { finalFlow, toCompletion, toMediaFile, toWorkflow } from './workflow.ts';
import { snapshotOf, type WorkflowSnapshot } from './workflow-snapshot.ts';
import * as workflows from './workflows.repository.ts';

/** The ends of a workflow others may be told of: its run's three ends, and its deletion. */
export type WorkflowEnd = 'WORKFLOW_SUCCEEDED' | 'WORKFLOW_FAILED' | 'WORKFLOW_CANCELED' | 'WORKFLOW_DELETED';

/**
 * The port through which the rest of the service hears, inside the same transaction, that a
 * workflow ended or is being deleted. The webhooks' outbox listens here; services.ts wires it, so
 * the workflows module and the webhooks module import nothing from each other.
 */
export interface WorkflowEndListener {
  /**
   * SQL over a `workflows` row, of which it reads customer_id alone: whether anyone listens for this
   * end of it. The statement that ends a run asks it, so a run nobody listens to costs no extra
   * round trip. The same SQL for the same end, every time: that statement is compiled once with it.
   */
  listensFor(end: WorkflowEnd): RawBuilder<boolean>;
  /** Told of an end; it reads the workflow's document (`document()`) only when it has someone to tell. */
  ended(trx: Trx, end: WorkflowEnd, customerId: string, workflowId: string, document: () => Promise<WorkflowSnapshot>): Promise<void>;
  /** Before a workflow's rows go: every document kept of it is passed through `scrub` (the owner's fields removed). */
  forgetOwner(trx: Trx, workflowId: string, scrub: (document: WorkflowSnapshot) => WorkflowSnapshot): Promise<void>;
}

/** Tells the listener of an end of `row`'s workflow; its document is read in `trx` if the listener asks. */
export function announceEnd(
  trx: Trx,
  listener: WorkflowEndListener,
  end: WorkflowEnd,
  row: WorkflowRow,
  shown: (document: WorkflowSnapshot) => WorkflowSnapshot = (document) => document,
): Promise<void> {
  return listener.ended(trx, end, row.customer_id, row.id, async () => shown(await documentOf(trx, row)));
}

async function documentOf(trx: Trx, row: WorkflowRow): Promise<WorkflowSnapshot> {
  const [completions, files] = await Promise.all([workflows.completionsOf(trx, [row.id]), workflows.mediaFilesOf(trx, [row.id])]);
  const workflow = toWorkflow(row);
  return snapshotOf(workflow, completions.map(toCompletion), files.map(toMediaFile), finalFlow(workflow.pipelineMode));
}
