import type { ProcessingStatus, Workflow } from '../../packages/client/src/index.ts';
import { type ConnectionOptions, connect, EXIT } from './client-command.ts';

const print = (line: string) => process.stdout.write(`${line}\n`);

function summary(workflow: Workflow): string {
  const { aspectRatio, pipelineMode } = workflow.options;
  return [
    workflow.id,
    workflow.processingStatus.padEnd(10),
    `${workflow.progressPercentage}%`.padStart(4),
    workflow.model,
    `${pipelineMode} ${aspectRatio}`,
    workflow.createdAt,
    workflow.title,
  ].join('  ');
}

function details(workflow: Workflow): string[] {
  const lines = [
    `id:         ${workflow.id}`,
    `title:      ${workflow.title}`,
    `status:     ${workflow.processingStatus} ${workflow.progressPercentage}%${workflow.error ? ` (${workflow.error})` : ''}`,
    `model:      ${workflow.model}, ${workflow.options.pipelineMode} ${workflow.options.aspectRatio}, ${workflow.creditCost} credits`,
    `created:    ${workflow.createdAt}`,
    `updated:    ${workflow.updatedAt} (version ${workflow.version})`,
    'flows:',
  ];
  for (const c of workflow.completions) {
    const attempts = c.attempts > 1 ? `, ${c.attempts} attempts` : '';
    lines.push(`  ${c.flow.padEnd(24)}${c.status}${attempts}${c.error ? `: ${c.error}` : ''}`);
  }
  for (const media of workflow.mediaResult) lines.push(`result:     ${media.url}`);
  return lines;
}

export interface ListOptions extends ConnectionOptions {
  status?: ProcessingStatus;
  first: number;
  json?: boolean;
}

export async function listWorkflows(options: ListOptions): Promise<number> {
  const filter = options.status ? { processingStatus: options.status } : undefined;
  const { workflows, pageInfo } = await connect(options).list({ first: options.first, ...(filter ? { filter } : {}) });
  if (options.json) print(JSON.stringify({ workflows, pageInfo }));
  else for (const workflow of workflows) print(summary(workflow));
  return EXIT.OK;
}

export async function showWorkflow(id: string, options: ConnectionOptions & { json?: boolean }): Promise<number> {
  const workflow = await connect(options).get(id);
  if (options.json) print(JSON.stringify(workflow));
  else for (const line of details(workflow)) print(line);
  return EXIT.OK;
}

export async function cancelWorkflow(id: string, options: ConnectionOptions): Promise<number> {
  print(summary(await connect(options).cancel(id)));
  return EXIT.OK;
}

export async function retryWorkflow(id: string, options: ConnectionOptions): Promise<number> {
  print(summary(await connect(options).retry(id)));
  return EXIT.OK;
}

export async function deleteWorkflow(id: string, options: ConnectionOptions): Promise<number> {
  const deleted = await connect(options).delete(id);
  print(`deleted workflow ${id} and ${deleted.length} ${deleted.length === 1 ? 'file' : 'files'}`);
  return EXIT.OK;
}

export async function downloadWorkflow(id: string, options: ConnectionOptions & { out: string }): Promise<number> {
  for (const saved of await connect(options).download(id, options.out)) print(saved);
  return EXIT.OK;
}
