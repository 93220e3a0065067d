import type { ResultOf } from '@graphql-typed-document-node/core';
import type { TestApp } from '../helpers/harness.ts';
import { RunState } from './operations.ts';

export type RunStateWorkflow = Extract<ResultOf<typeof RunState>['workflow'], { __typename: 'Workflow' }>;

/** Polls the workflow through the API until `done` holds; fails with the last state seen after `timeoutMs`. */
export async function waitForWorkflow(
  app: TestApp,
  id: string,
  key: string,
  done: (workflow: RunStateWorkflow) => boolean,
  timeoutMs = 120_000,
): Promise<RunStateWorkflow> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const response = await app.gql(RunState, { id }, { key });
    const workflow = response.data?.workflow;
    last = workflow ?? response;
    if (workflow?.__typename === 'Workflow' && done(workflow)) return workflow;
    if (Date.now() > deadline) throw new Error(`workflow ${id} did not reach the expected state; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
