import { canActFor, type Viewer } from '../auth/viewer.ts';
import { NotFoundError, UnauthenticatedError } from '../shared/errors.ts';
import type { Visibility } from './workflow.ts';

// Who may see a workflow, in one place: reads, live progress, and which fields a reader is shown.

/** The two facts the rule needs, as a row and a Workflow both carry them. */
export interface Owned {
  visibility: Visibility;
  customerId: string;
}

/** A workflow may be read by its customer and the admin, and by anyone when it is PUBLIC. */
export function maySee(viewer: Viewer, workflow: Owned): boolean {
  return workflow.visibility === 'PUBLIC' || canActFor(viewer, workflow.customerId);
}

/**
 * Who the workflow is for (primaryUserId, often an e-mail), whose it is, its source and what each
 * flow wrote from it (the cropped original at full resolution, the upscaled subject) are the
 * owner's business: anyone else who may read it (a PUBLIC workflow) sees them as null (the
 * completions' results as empty), and sees only the final media. Every door that shows a
 * workflow asks here.
 */
export function showsPrivateFields(viewer: Viewer, workflow: Owned): boolean {
  return canActFor(viewer, workflow.customerId);
}

/**
 * A workflow the viewer may not see is as absent as an unknown one (NotFound, never a hint that it
 * exists); with no key, anything but a PUBLIC workflow asks for a key first (UNAUTHENTICATED),
 * whether it exists or not.
 */
export function requireVisible(viewer: Viewer, id: string, workflow: Owned | undefined, keyMessage?: string): void {
  if (workflow && maySee(viewer, workflow)) return;
  if (keyMessage && viewer.kind === 'anonymous') throw new UnauthenticatedError(keyMessage);
  throw new NotFoundError('Workflow', id);
}
