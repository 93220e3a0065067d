import os from 'node:os';
import path from 'node:path';
import type { FramewrightClient, PipelineMode, ProgressEvent, Workflow } from '../../packages/client/src/index.ts';
import { CommandError, type ConnectionOptions, connect, EXIT } from './client-command.ts';
import { lineView, type ProgressView, terminalView } from './progress.ts';

export interface SubmitOptions extends ConnectionOptions {
  model?: string;
  ratio?: string;
  mode: PipelineMode;
  title?: string;
  user?: string;
  upload: 'multipart' | 'presigned';
  watch?: boolean;
  out?: string;
}

const print = (line: string) => process.stdout.write(`${line}\n`);

/** Without --model: the first model the service offers for this mode and ratio. */
async function chooseModel(client: FramewrightClient, mode: PipelineMode, ratio: string | undefined): Promise<string> {
  const models = await client.models();
  const fit = models.find((m) => m.pipelineModes.includes(mode) && (!ratio || m.aspectRatios.includes(ratio)));
  if (!fit) throw new CommandError(`no model offers ${mode}${ratio ? ` at ${ratio}` : ''}; see the models query`, EXIT.USAGE);
  return fit.id;
}

/** Follows the run to its final status; the last event's workflow. */
async function follow(client: FramewrightClient, workflow: Workflow, view: ProgressView): Promise<Workflow> {
  let last: ProgressEvent | undefined;
  try {
    const events = client.watch(workflow.id, {
      onReconnect: (version) => view.note(`reconnected; resuming from version ${version ?? 0}`),
    });
    for await (const event of events) {
      view.update(event);
      last = event;
    }
  } finally {
    view.stop();
  }
  if (!last) throw new CommandError(`the progress of workflow ${workflow.id} ended without an event`, EXIT.FAILED);
  return last.workflow;
}

/** `framewright submit IMAGE`: uploads, creates the workflow, and with --watch or --out follows it to its end. */
export async function submit(image: string, options: SubmitOptions): Promise<number> {
  const client = connect(options);
  // A refused key is told apart before the upload: a service that refuses it mid-upload closes the connection unanswered.
  await client.me();
  const model = options.model ?? (await chooseModel(client, options.mode, options.ratio));
  const spec = {
    title: options.title ?? path.parse(image).name,
    model,
    primaryUserId: options.user ?? os.userInfo().username,
    options: { pipelineMode: options.mode, ...(options.ratio ? { aspectRatio: options.ratio } : {}) },
  };
  const created = await client.create(image, spec, { upload: options.upload });
  const { aspectRatio, pipelineMode } = created.options;
  print(
    `workflow ${created.id} ${created.processingStatus} (${created.model}, ${pipelineMode} ${aspectRatio}, ${created.creditCost} credits)`,
  );
  if (!options.watch && !options.out) return EXIT.OK;
  const view = process.stdout.isTTY ? terminalView(process.stdout) : lineView(print);
  const final = await follow(client, created, view);
  if (final.processingStatus !== 'SUCCESS') {
    const reason = final.error ? `: ${final.error}` : '';
    process.stderr.write(`framewright: workflow ${final.id} ${final.processingStatus}${reason}\n`);
    return EXIT.FAILED;
  }
  print(`workflow ${final.id} SUCCESS`);
  if (!options.out) {
    for (const media of final.mediaResult) print(media.url);
    return EXIT.OK;
  }
  for (const saved of await client.download(final, options.out)) print(saved);
  return EXIT.OK;
}
