import { pino } from 'pino';
import { activeTraceIds } from './tracing/tracing.ts';

export type Logger = pino.Logger;

/**
 * JSON lines on stderr, so stdout stays free for what a command prints (e.g. `customer create`).
 * With traceCorrelation (tracing on), a line written inside a span carries its trace_id and span_id.
 */
export function createLogger(level: string, options: { traceCorrelation?: boolean } = {}): Logger {
  return pino(
    { level, base: { pid: process.pid }, ...(options.traceCorrelation ? { mixin: () => activeTraceIds() ?? {} } : {}) },
    stderrDestination(),
  );
}

let stderr: pino.DestinationStream | undefined;

/**
 * One buffer for stderr, whatever the number of loggers: lines leave in the order they were
 * written, and one timer flushes them. Buffered: written when 4 KiB have gathered or every 50 ms,
 * and at once when the process exits. A write a line was a tenth of a busy worker's CPU per job
 * (one per run); a line can now reach stderr up to 50 ms late, and the last 50 ms of lines are
 * lost only to a SIGKILL.
 */
function stderrDestination(): pino.DestinationStream {
  stderr ??= pino.destination({ dest: 2, sync: false, minLength: 4096, periodicFlush: 50 });
  return stderr;
}
