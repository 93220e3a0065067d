import { type RawBuilder, sql } from 'kysely';
import type { Executor } from '../../db/database.ts';
import { publishMessage } from '../../notifier/notifier.ts';

// The channel on which the workflows module tells every API process that a workflow changed (live
// progress). A message goes out after its transaction commits, so a listener never hears of a change
// that was rolled back. It is a hint, never the data: listeners re-read the workflow.

export const WORKFLOW_EVENTS_CHANNEL = 'framewright_workflow_events';

/** The payload on WORKFLOW_EVENTS_CHANNEL: which workflow, at which version, and whether it is gone. */
export interface WorkflowChangeNotice {
  workflowId: string;
  version: number;
  deleted?: boolean;
}

/** Tells every listening API process that the workflow changed. */
export async function notifyWorkflowChanged(trx: Executor, notice: WorkflowChangeNotice): Promise<void> {
  await publishMessage(trx, WORKFLOW_EVENTS_CHANNEL, JSON.stringify(notice));
}

/**
 * notifyWorkflowChanged as an expression over the workflows row a statement returns (its new
 * version): the statement that changes the workflow sends the message itself, one round trip
 * instead of two. Only where messages go out by NOTIFY (see publishesByNotify).
 */
export function notifyWorkflowChangedInSql(): RawBuilder<unknown> {
  return sql`pg_notify(${sql.lit(WORKFLOW_EVENTS_CHANNEL)}, json_build_object('workflowId', workflows.id, 'version', workflows.version)::text)`;
}

/** A message's payload as a notice; undefined when it is not one. */
export function parseWorkflowChangeNotice(payload: string): WorkflowChangeNotice | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    if (typeof value !== 'object' || value === null) return undefined;
    const { workflowId, version, deleted } = value as Record<string, unknown>;
    if (typeof workflowId !== 'string' || typeof version !== 'number') return undefined;
    return { workflowId, version, deleted: deleted === true };
  } catch {
    return undefined;
  }
}
