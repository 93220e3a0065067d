import { type Command, InvalidArgumentError, Option } from 'commander';
import type { PipelineMode, ProcessingStatus } from '../../packages/client/src/index.ts';
import { runClientCommand } from './client-command.ts';

// The commands' code (the client, graphql, sharp for submit) loads when one runs, not for --help.
const workflowCommands = () => import('./workflows.ts');

const PROCESSING_STATUSES = ['QUEUED', 'PROCESSING', 'SUCCESS', 'FAILED', 'CANCELED'];

function withConnection(command: Command): Command {
  return command
    .option('--url <url>', 'the GraphQL endpoint (default: $FRAMEWRIGHT_URL)')
    .option('--key <key>', 'the API key (default: $FRAMEWRIGHT_API_KEY)');
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole number, 1 to 100');
  return n;
}

function parseRatio(value: string): string {
  if (!/^\d+:\d+$/.test(value)) throw new InvalidArgumentError('must be width:height, e.g. 16:9');
  return value;
}

/** The commands that use the service as a client would: submit, and workflows list|show|cancel|retry|delete|download. */
export function registerClientCommands(program: Command): void {
  withConnection(program.command('submit').argument('<image>', 'the input image (PNG, WebP, JPEG, AVIF or TIFF)'))
    .description('upload an image and create a workflow; with --watch, follow it and exit 0 on SUCCESS, 1 on FAILED')
    .option('--model <id>', "the model (default: the service's first one for the mode and ratio)")
    .option('--ratio <w:h>', "the aspect ratio (the service's default: 16:9)", parseRatio)
    .addOption(new Option('--mode <mode>', 'the pipeline mode').choices(['video', 'image']).default('video'))
    .option('--title <title>', 'the title (default: the file name)')
    .option('--user <id>', "primaryUserId: your app's id of the end user (default: the OS user name)")
    .addOption(new Option('--upload <how>', 'how the image is sent').choices(['multipart', 'presigned']).default('multipart'))
    .option('--watch', 'show live progress until the run ends')
    .option('--out <dir>', 'download the result into this folder (implies --watch) and print its path')
    .action((image: string, options: { mode: string; upload: 'multipart' | 'presigned' }) =>
      runClientCommand(async () =>
        (await import('./submit.ts')).submit(image, { ...options, mode: options.mode.toUpperCase() as PipelineMode }),
      ),
    );

  const workflows = program.command('workflows').description("the caller's workflows");
  withConnection(workflows.command('list'))
    .description('newest first, one line each: id, status, progress, model, mode and ratio, created, title')
    .addOption(new Option('--status <status>', 'only these').choices(PROCESSING_STATUSES))
    .option('--first <n>', 'how many (1 to 100)', parseCount, 20)
    .option('--json', 'print the answer as one JSON line')
    .action((options: { status?: ProcessingStatus; first: number }) =>
      runClientCommand(async () => (await workflowCommands()).listWorkflows(options)),
    );
  withConnection(workflows.command('show').argument('<id>'))
    .description('status, flows, errors and result URLs of one workflow')
    .option('--json', 'print the workflow as one JSON line')
    .action((id: string, options: object) => runClientCommand(async () => (await workflowCommands()).showWorkflow(id, options)));
  withConnection(workflows.command('cancel').argument('<id>'))
    .description('stop a QUEUED or PROCESSING run; its credits are refunded')
    .action((id: string, options: object) => runClientCommand(async () => (await workflowCommands()).cancelWorkflow(id, options)));
  withConnection(workflows.command('retry').argument('<id>'))
    .description('run a FAILED or CANCELED workflow again from its first unfinished flow')
    .action((id: string, options: object) => runClientCommand(async () => (await workflowCommands()).retryWorkflow(id, options)));
  withConnection(workflows.command('delete').argument('<id>'))
    .description('delete the workflow and all its files')
    .action((id: string, options: object) => runClientCommand(async () => (await workflowCommands()).deleteWorkflow(id, options)));
  withConnection(workflows.command('download').argument('<id>'))
    .description('save the final media into a folder and print the paths')
    .option('--out <dir>', 'the folder', '.')
    .action((id: string, options: { out: string }) =>
      runClientCommand(async () => (await workflowCommands()).downloadWorkflow(id, options)),
    );
}
