import type { CompletionRow, FlowName, FlowStatus } from '../../db/schema/completions.ts';
import type { MediaFileRow, MediaRole } from '../../db/schema/media-files.ts';
import type { PipelineMode, ProcessingStatus, Visibility, WorkflowRow } from '../../db/schema/workflows.ts';

export type { FlowName, FlowStatus, MediaRole, PipelineMode, ProcessingStatus, Visibility };

export interface Workflow {
  id: string;
  customerId: string;
  title: string;
  description: string | null;
  visibility: Visibility;
  model: string;
  aspectRatio: string;
  pipelineMode: PipelineMode;
  primaryUserId: string;
  processingStatus: ProcessingStatus;
  progressPercentage: number;
  creditCost: number;
  error: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Completion {
  workflowId: string;
  flow: FlowName;
  position: number;
  status: FlowStatus;
  attempts: number;
  startedAt: Date | null;
  completedAt: Date | null;
  error: string | null;
}

export interface MediaFile {
  workflowId: string;
  role: MediaRole;
  key: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  durationMs: number | null;
  updatedAt: Date;
}

/** The most a run's progress shows before its SUCCESS, which alone is 100: its last flow's end. */
export const PROGRESS_BEFORE_SUCCESS = 99;

/** The flows of each pipeline mode, in the order they run (docs/api.md, "The pipeline"). */
export const PIPELINES: Readonly<Record<PipelineMode, readonly FlowName[]>> = {
  IMAGE: ['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA'],
  VIDEO: ['CROP_TO_CONTENT', 'REPLACE_ALPHA_WITH_GRAY', 'UPSCALE', 'CREATE_MEDIA', 'VIDEO_OVERLAY'],
};

/** The flow whose outputs are the workflow's final media. */
export function finalFlow(mode: PipelineMode): FlowName {
  const flows = PIPELINES[mode];
  return flows[flows.length - 1]!;
}

export const TERMINAL_STATUSES: readonly ProcessingStatus[] = ['SUCCESS', 'FAILED', 'CANCELED'];

export function workflowPrefix(workflowId: string): string {
  return `workflows/${workflowId}/`;
}

export function toWorkflow(row: WorkflowRow): Workflow {
  return {
    id: row.id,
    customerId: row.customer_id,
    title: row.title,
    description: row.description,
    visibility: row.visibility,
    model: row.model,
    aspectRatio: row.aspect_ratio,
    pipelineMode: row.pipeline_mode,
    primaryUserId: row.primary_user_id,
    processingStatus: row.processing_status,
    progressPercentage: row.progress_percentage,
    creditCost: row.credit_cost,
    error: row.error,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** From a row, with or without its id (a tree read leaves it out). */
export function toCompletion(row: Omit<CompletionRow, 'id'>): Completion {
  return {
    workflowId: row.workflow_id,
    flow: row.flow,
    position: row.position,
    status: row.status,
    attempts: row.attempts,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    error: row.error,
  };
}

/** From a row, with or without its id (a tree read leaves it out). */
export function toMediaFile(row: Omit<MediaFileRow, 'id'>): MediaFile {
  return {
    workflowId: row.workflow_id,
    role: row.role,
    key: row.key,
    contentType: row.content_type,
    size: row.size,
    width: row.width,
    height: row.height,
    durationMs: row.duration_ms,
    updatedAt: row.updated_at,
  };
}

// What the service hands out besides a Workflow: pages, the children read with a workflow, live states.

export interface WorkflowPage {
  workflows: Workflow[];
  /** The completions and media of each workflow of the page, read with it. */
  children: WorkflowChildren[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** What hangs off a workflow, read in the same statement as its row. */
export interface WorkflowChildren {
  workflowId: string;
  completions: Completion[];
  mediaFiles: MediaFile[];
}

/** What a progress subscriber is sent: the row and its nested data, read in one snapshot. */
export interface WorkflowLiveState {
  workflow: Workflow;
  completions: Completion[];
  mediaFiles: MediaFile[];
}

export interface DeletedWorkflow {
  workflow: Workflow;
  completions: Completion[];
  mediaFiles: MediaFile[];
  deletedObjects: string[];
}

/** The keyset position a page starts after: the (created_at, id) of the last row of the page before. */
export interface WorkflowCursor {
  createdAt: Date;
  id: string;
}
