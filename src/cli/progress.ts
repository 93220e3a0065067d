import cliProgress from 'cli-progress';
import type { Flow, ProgressEvent } from '../../packages/client/src/index.ts';

/** Shows a workflow's progress events as they come. */
export interface ProgressView {
  update(event: ProgressEvent): void;
  /** A note between events (a reconnect), on its own line. */
  note(text: string): void;
  stop(): void;
}

function flowState(event: ProgressEvent, flow: Flow): { value: number; status: string } {
  const completion = event.workflow.completions.find((c) => c.flow === flow);
  if (!completion) return { value: 0, status: '' };
  const done = completion.status === 'SUCCESS' || completion.status === 'SKIPPED';
  const retrying = completion.status !== 'FAILED' && completion.attempts > 1 && !done ? ` (attempt ${completion.attempts})` : '';
  return { value: done ? 100 : 0, status: `${completion.status}${retrying}` };
}

/**
 * On a terminal: one bar per flow of the pipeline (filled when the flow is done, its status
 * beside it) and a bar of the whole run's percentage, redrawn in place.
 */
export function terminalView(stream: NodeJS.WriteStream): ProgressView {
  const multibar = new cliProgress.MultiBar(
    { stream, format: '{label} |{bar}| {status}', barsize: 30, hideCursor: false, autopadding: true, emptyOnZero: true },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const barFor = (label: string) => {
    let bar = bars.get(label);
    if (!bar) {
      bar = multibar.create(100, 0, { label: label.padEnd(23), status: '' });
      bars.set(label, bar);
    }
    return bar;
  };
  return {
    update: (event) => {
      for (const { flow } of event.workflow.completions) {
        const { value, status } = flowState(event, flow);
        barFor(flow).update(value, { status });
      }
      barFor('total').update(event.progressPercentage, { status: `${event.progressPercentage}% ${event.processingStatus}` });
    },
    note: (text) => multibar.log(`${text}\n`),
    stop: () => multibar.stop(),
  };
}

/**
 * Elsewhere (a pipe, a file, CI): a plain line, e.g. "42% PROCESSING CREATE_MEDIA RUNNING", when
 * the status or the flow changes and at every 10 percentage points.
 */
export function lineView(print: (line: string) => void): ProgressView {
  let lastStep = '';
  return {
    update: (event) => {
      const flow = event.flow ? ` ${event.flow} ${event.flowStatus ?? ''}`.trimEnd() : '';
      const step = `${Math.floor(event.progressPercentage / 10)} ${event.processingStatus}${flow}`;
      if (step !== lastStep) print(`${event.progressPercentage}% ${event.processingStatus}${flow}`);
      lastStep = step;
    },
    note: print,
    stop: () => {},
  };
}
