import type { Viewer } from '../modules/auth/viewer.ts';
import { finalFlow, type MediaFile, type Workflow, type WorkflowChildren } from '../modules/workflows/workflow.ts';
import type { Services } from '../services.ts';
import type { WorkflowJson } from './schemas.ts';

// The Workflow object as the REST API was first specified: snake_case, "0"/"1", lowercase enums,
// Python-style UTC timestamps. Who sees what is asked of the service, as the GraphQL types do.

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `YYYY-MM-DD HH:MM:SS+00:00`: media_result's updated_at. */
export function wholeSeconds(date: Date): string {
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  return `${day} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}+00:00`;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff+00:00`: a JavaScript date holds milliseconds, so the last three digits are zeros. */
export function microseconds(date: Date): string {
  return wholeSeconds(date).replace('+00:00', `.${pad(date.getUTCMilliseconds(), 3)}000+00:00`);
}

export async function toWorkflowJson(
  services: Services,
  viewer: Viewer,
  workflow: Workflow,
  children: WorkflowChildren,
): Promise<WorkflowJson> {
  const owner = services.workflows.showsPrivateFields(viewer, workflow);
  const urls = (files: MediaFile[]) => Promise.all(files.map((file) => services.workflows.downloadUrl(file.key, undefined)));
  const final = finalFlow(workflow.pipelineMode);
  const finalMedia = children.mediaFiles.filter((file) => file.role === final);
  const completions = await Promise.all(
    children.completions.map(async (completion) => ({
      flow: completion.flow.toLowerCase() as WorkflowJson['completions'][number]['flow'],
      // What each flow wrote from the source stays the owner's, as in GraphQL.
      result: owner ? await urls(children.mediaFiles.filter((file) => file.role === completion.flow)) : [],
    })),
  );
  return {
    id: workflow.id,
    title: workflow.title,
    description: workflow.description,
    visibility_status: workflow.visibility === 'PUBLIC' ? '1' : '0',
    model: workflow.model,
    options: { aspect_ratio: workflow.aspectRatio, pipeline_mode: workflow.pipelineMode === 'IMAGE' ? 'image' : 'video' },
    primary_user_id: owner ? workflow.primaryUserId : null,
    customer_id: owner ? workflow.customerId : null,
    processing_status: workflow.processingStatus.toLowerCase() as WorkflowJson['processing_status'],
    progress_percentage: workflow.progressPercentage,
    completions,
    result: await urls(finalMedia),
    media_result: finalMedia.map((file) => ({ updated_at: wholeSeconds(file.updatedAt), size: file.size })),
    created_at: microseconds(workflow.createdAt),
    updated_at: microseconds(workflow.updatedAt),
  };
}
