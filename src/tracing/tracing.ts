import type { TracingSettings } from '../config.ts';
import type { Logger } from '../logger.ts';

// The rest of the service traces through this module only. It imports nothing of OpenTelemetry:
// with tracing off (no OTLP endpoint) the SDK is never loaded and every call here is a branch on
// `backend` and a direct call of the work.

export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface ActiveSpan {
  /** False for a span the sampler dropped: attributes that cost something to compute can be skipped. */
  isRecording(): boolean;
  setAttributes(attributes: SpanAttributes): void;
  addEvent(name: string, attributes?: SpanAttributes): void;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: SpanAttributes;
  /**
   * A W3C traceparent to continue (a caller's header, a job row's context) instead of the active
   * span; null or undefined keeps the active span as the parent.
   */
  parent?: string | null;
  /** With no `parent`, a trace of its own rather than a child of the active span (a run launched by the end of another). */
  root?: boolean;
}

export interface TraceIds {
  trace_id: string;
  span_id: string;
}

/** What the SDK side (./otel.ts) provides once loaded. */
export interface TracingBackend {
  inSpan<T>(name: string, options: SpanOptions, work: (span: ActiveSpan) => Promise<T>): Promise<T>;
  /** A span for work already done (a database statement reported after it ran), under the active span; none without one. */
  recordSpan(name: string, attributes: SpanAttributes, startedAt: number, endedAt: number, error?: unknown): void;
  activeIds(): TraceIds | undefined;
  activeSpanRecording(): boolean;
  activeTraceparent(): string | undefined;
  shutdown(): Promise<void>;
}

let backend: TracingBackend | undefined;

const NOOP_SPAN: ActiveSpan = Object.freeze({
  isRecording: () => false,
  setAttributes: () => {},
  addEvent: () => {},
});

/** Loads the SDK and starts exporting, when settings are given (an OTLP endpoint is set); else does nothing. */
export async function startTracing(settings: TracingSettings | undefined, logger: Logger): Promise<void> {
  if (!settings || backend) return;
  const { createOtelBackend } = await import('./otel.ts');
  backend = createOtelBackend(settings, logger);
  logger.info({ endpoint: settings.tracesEndpoint, protocol: settings.protocol, sampler: settings.sampler }, 'tracing on');
}

/** Flushes the spans still buffered; call once, on the way out. */
export async function stopTracing(): Promise<void> {
  const stopping = backend;
  backend = undefined;
  await stopping?.shutdown();
}

export function tracingOn(): boolean {
  return backend !== undefined;
}

/** Runs work in a new span (the active one inside it); the span ends when work settles, failed if it throws. */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: ActiveSpan) => Promise<T>): Promise<T> {
  return backend ? backend.inSpan(name, options, work) : work(NOOP_SPAN);
}

export function recordSpan(name: string, attributes: SpanAttributes, startedAt: number, endedAt: number, error?: unknown): void {
  backend?.recordSpan(name, attributes, startedAt, endedAt, error);
}

/** Whether the active span is sampled: a child recorded now would be exported. */
export function activeSpanRecording(): boolean {
  return backend?.activeSpanRecording() ?? false;
}

/** The active span's ids, for log lines; undefined outside a span or with tracing off. */
export function activeTraceIds(): TraceIds | undefined {
  return backend?.activeIds();
}

/** The active span's W3C traceparent, to carry the trace to another process (a job row). */
export function activeTraceparent(): string | undefined {
  return backend?.activeTraceparent();
}
