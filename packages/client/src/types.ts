import type { ResultOf } from '@graphql-typed-document-node/core';
import type {
  ClientMediaFileFieldsFragment,
  ClientModelsQuery,
  ClientWorkflowFieldsFragment,
  CreateWorkflowInput,
  Flow,
  FlowStatus,
  LogErrorInput,
  PipelineMode,
  ProcessingStatus,
  VisibilityStatus,
  WorkflowFilter,
} from './gql/graphql.ts';
import type { WorkflowProgress } from './operations.ts';

export type { Flow, FlowStatus, LogErrorInput, PipelineMode, ProcessingStatus, VisibilityStatus, WorkflowFilter };

/** A workflow as every client call returns it. */
export type Workflow = ClientWorkflowFieldsFragment;
export type MediaFile = ClientMediaFileFieldsFragment;
export type Model = ClientModelsQuery['models'][number];
/** One event of the workflowProgress subscription. */
export type ProgressEvent = ResultOf<typeof WorkflowProgress>['workflowProgress'];

/** The input image: a file path, or its bytes with a name. */
export type SourceImage = string | { bytes: Uint8Array; filename: string; contentType?: string };

/** createWorkflow's input without the image, which `create` sends itself. */
export type WorkflowSpec = Omit<CreateWorkflowInput, 'source' | 'uploadId'>;

export interface CreateOptions {
  /**
   * `multipart` (default) sends the image with the mutation; `presigned` asks createUpload for a
   * URL, PUTs the bytes there, then creates the workflow with the upload's id.
   */
  upload?: 'multipart' | 'presigned';
}

export const FINAL_STATUSES: ReadonlySet<ProcessingStatus> = new Set<ProcessingStatus>(['SUCCESS', 'FAILED', 'CANCELED']);
