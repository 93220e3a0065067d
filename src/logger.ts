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
    pino.destination(2),
  );
}
