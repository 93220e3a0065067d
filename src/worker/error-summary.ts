import { MediaError } from '../media/errors.ts';

// What a customer reads in workflow.error and completion.error. ffmpeg's stderr, temp paths and
// the messages of storage or database drivers say nothing useful to them and something about us:
// those go to the service's log (the runner logs the whole error), the customer gets the gist.

const MAX_SUMMARY_CHARS = 300;

/** A short, safe account of why a flow failed. */
export function errorSummary(error: unknown): string {
  if (!(error instanceof MediaError)) return 'an internal error stopped this step; it is in the service logs';
  switch (error.code) {
    case 'INVALID_INPUT':
      return truncate(withoutPaths(firstLine(error.message)));
    case 'TIMEOUT':
      return 'rendering took longer than its time limit';
    case 'ABORTED':
      return 'the step was stopped';
    default:
      return 'rendering failed; the details are in the service logs';
  }
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? '';
}

/** Absolute paths (temp folders, the package's binaries) become "<file>". */
function withoutPaths(text: string): string {
  return text.replace(/(?:[A-Za-z]:)?[\\/](?:[^\s\\/'"`:,;()]+[\\/])+[^\s\\/'"`:,;()]*/g, '<file>');
}

function truncate(text: string): string {
  return text.length > MAX_SUMMARY_CHARS ? `${text.slice(0, MAX_SUMMARY_CHARS)}…` : text;
}
