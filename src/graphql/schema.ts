import { builder } from './builder.ts';
import './scalars.ts';
import './errors.ts';
import './types/enums.ts';
import './types/media-file.ts';
import './types/completion.ts';
import './types/workflow.ts';
import './types/model.ts';
import './types/customer.ts';
import './types/upload.ts';
import './types/error-log.ts';
import './types/workflow-progress.ts';
import './types/webhook.ts';

/** Every type file registers itself on the builder; this only imports them. */
export const schema = builder.toSchema();
