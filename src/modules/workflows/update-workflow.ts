import { z } from 'zod';
import type { WorkflowRowUpdate } from '../../db/schema/workflows.ts';
import { BadRequestError, ValidationError } from '../shared/errors.ts';
import { parseInput } from '../shared/validation.ts';
import { descriptionField, primaryUserIdField, titleField } from './create-workflow.ts';
import type { Visibility } from './workflow.ts';

export interface UpdateWorkflowInput {
  title?: string | null;
  description?: string | null;
  visibilityStatus?: Visibility | null;
  primaryUserId?: string | null;
}

const updateFields = z.object({
  title: titleField.nullish(),
  description: descriptionField,
  primaryUserId: primaryUserIdField.nullish(),
});

/** The row's patch for updateWorkflow: at least one field, none null but the description, each checked as at create. */
export function patchOf(input: UpdateWorkflowInput): WorkflowRowUpdate {
  const given = Object.entries(input).filter(([, value]) => value !== undefined);
  if (given.length === 0) {
    throw new BadRequestError('Give at least one field to change: title, description, visibilityStatus or primaryUserId');
  }
  const nulls = given.filter(([key, value]) => value === null && key !== 'description');
  if (nulls.length > 0) {
    throw new ValidationError(nulls.map(([key]) => ({ field: `input.${key}`, message: 'must not be null' })));
  }
  const fields = parseInput(updateFields, input, 'input');
  const patch: WorkflowRowUpdate = {};
  if (fields.title) patch.title = fields.title;
  if (input.description !== undefined) patch.description = fields.description ?? null;
  if (input.visibilityStatus) patch.visibility = input.visibilityStatus;
  if (fields.primaryUserId) patch.primary_user_id = fields.primaryUserId;
  return patch;
}
