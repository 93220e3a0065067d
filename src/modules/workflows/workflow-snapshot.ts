import type { Completion, MediaFile, Workflow } from './workflow.ts';

// A workflow as the GraphQL Workflow type shows it to its owner, as JSON: what a webhook delivery
// carries (see workflow-ended.ts). The outbox
// keeps it without URLs (signed URLs expire); they are signed afresh each time it is sent.

type FileSnapshot = Omit<MediaFile, 'workflowId' | 'role' | 'updatedAt'> & { updatedAt: string };

export interface WorkflowSnapshot {
  id: string;
  /** Null (with the other owner fields) once the workflow is deleted: see scrubbed(). */
  title: string | null;
  description: string | null;
  visibilityStatus: Workflow['visibility'];
  model: string;
  options: { aspectRatio: string; pipelineMode: Workflow['pipelineMode'] };
  primaryUserId: string | null;
  customerId: string | null;
  processingStatus: Workflow['processingStatus'];
  progressPercentage: number;
  completions: Array<{
    flow: Completion['flow'];
    status: Completion['status'];
    attempts: number;
    startedAt: string | null;
    completedAt: string | null;
    error: string | null;
    result: FileSnapshot[];
  }>;
  mediaResult: FileSnapshot[];
  source: FileSnapshot | null;
  creditCost: number;
  error: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function snapshotOf(workflow: Workflow, completions: Completion[], files: MediaFile[], finalRole: string): WorkflowSnapshot {
  const file = (f: MediaFile): FileSnapshot => ({
    key: f.key,
    contentType: f.contentType,
    size: f.size,
    width: f.width,
    height: f.height,
    durationMs: f.durationMs,
    updatedAt: f.updatedAt.toISOString(),
  });
  const source = files.find((f) => f.role === 'SOURCE');
  return {
    id: workflow.id,
    title: workflow.title,
    description: workflow.description,
    visibilityStatus: workflow.visibility,
    model: workflow.model,
    options: { aspectRatio: workflow.aspectRatio, pipelineMode: workflow.pipelineMode },
    primaryUserId: workflow.primaryUserId,
    customerId: workflow.customerId,
    processingStatus: workflow.processingStatus,
    progressPercentage: workflow.progressPercentage,
    completions: completions.map((c) => ({
      flow: c.flow,
      status: c.status,
      attempts: c.attempts,
      startedAt: c.startedAt?.toISOString() ?? null,
      completedAt: c.completedAt?.toISOString() ?? null,
      error: c.error,
      result: files.filter((f) => f.role === c.flow).map(file),
    })),
    mediaResult: files.filter((f) => f.role === finalRole).map(file),
    source: source ? file(source) : null,
    creditCost: workflow.creditCost,
    error: workflow.error,
    version: workflow.version,
    createdAt: workflow.createdAt.toISOString(),
    updatedAt: workflow.updatedAt.toISOString(),
  };
}

/**
 * The snapshot a deleted workflow leaves in its events: what it was (id, model, options, states,
 * times, cost) without what its owner put in or got out. Null: the title, description,
 * primaryUserId, customerId and source (the fields the API hides from non-owners), and the error
 * texts (they may quote the input); empty: the media lists (their keys carry the uploaded file's
 * name, and the objects are gone).
 */
export function scrubbed(snapshot: WorkflowSnapshot): WorkflowSnapshot {
  return {
    ...snapshot,
    title: null,
    description: null,
    primaryUserId: null,
    customerId: null,
    source: null,
    error: null,
    mediaResult: [],
    completions: snapshot.completions.map((completion) => ({ ...completion, error: null, result: [] })),
  };
}

/** The snapshot with a URL on every file and `result`, the final media's URLs. */
export async function withSignedUrls(snapshot: WorkflowSnapshot, sign: (key: string) => Promise<string>): Promise<Record<string, unknown>> {
  const signed = async (f: FileSnapshot) => ({ ...f, url: await sign(f.key) });
  const mediaResult = await Promise.all(snapshot.mediaResult.map(signed));
  return {
    ...snapshot,
    completions: await Promise.all(snapshot.completions.map(async (c) => ({ ...c, result: await Promise.all(c.result.map(signed)) }))),
    mediaResult,
    result: mediaResult.map((f) => f.url),
    source: snapshot.source ? await signed(snapshot.source) : null,
  };
}
