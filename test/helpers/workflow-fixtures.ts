import type { CreateWorkflowInput } from '../../src/modules/workflows/create-workflow.ts';
import type { Workflow } from '../../src/modules/workflows/workflow.ts';
import type { TestApp } from './harness.ts';
import { pngWithTransparentBorder } from './images.ts';

let png: Promise<Buffer> | undefined;

/**
 * Creates a workflow through the service, skipping the multipart upload: for tests of the other
 * fields (list, update, visibility) that need many workflows quickly.
 */
export async function createWorkflowFor(
  app: TestApp,
  customerId: string,
  input: Partial<Omit<CreateWorkflowInput, 'source' | 'uploadId' | 'customerId'>> = {},
): Promise<Workflow> {
  png ??= pngWithTransparentBorder(64, 32);
  const bytes = await png;
  return app.services.workflows.create(
    { kind: 'customer', customerId },
    {
      title: 'A workflow',
      model: 'vim_new_year_2026',
      primaryUserId: 'user-1',
      options: { pipelineMode: 'IMAGE' },
      ...input,
      source: {
        name: 'a.png',
        size: bytes.length,
        arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      },
    },
  );
}

/** A customer's credit ledger, oldest first: each entry's amount and reason. */
export function customerLedger(app: TestApp, customerId: string) {
  return app.db.selectFrom('credit_ledger').select(['amount', 'reason']).where('customer_id', '=', customerId).orderBy('id').execute();
}
