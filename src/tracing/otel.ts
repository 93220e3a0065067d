import {
  type Attributes,
  type Context,
  context,
  SpanKind as OtelSpanKind,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { TracingSettings } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ActiveSpan, SpanAttributes, SpanKind, SpanOptions, TracingBackend } from './tracing.ts';

// Loaded only when tracing is on (tracing.ts imports it dynamically).

const KINDS: Record<SpanKind, OtelSpanKind> = {
  internal: OtelSpanKind.INTERNAL,
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
  producer: OtelSpanKind.PRODUCER,
  consumer: OtelSpanKind.CONSUMER,
};

function registerProvider(settings: TracingSettings): TracerProvider {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const exporterOptions = { url: settings.tracesEndpoint, headers: { ...settings.headers } };
  const exporter = settings.protocol === 'http/json' ? new JsonTraceExporter(exporterOptions) : new ProtobufTraceExporter(exporterOptions);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ ...settings.resourceAttributes, 'service.name': settings.serviceName }),
    sampler: samplerOf(settings),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })],
  });
  trace.setGlobalTracerProvider(provider);
  return provider;
}

export function createOtelBackend(settings: TracingSettings, logger: Logger): TracingBackend {
  const provider = registerProvider(settings);
  const tracer = provider.getTracer('framewright');

  const parentContext = ({ parent, root }: SpanOptions): Context => {
    if (parent) return propagation.extract(ROOT_CONTEXT, { traceparent: parent });
    return root ? ROOT_CONTEXT : context.active();
  };

  return {
    inSpan: (name, options, work) =>
      tracer.startActiveSpan(
        name,
        { kind: KINDS[options.kind ?? 'internal'], attributes: attributesOf(options.attributes) },
        parentContext(options),
        async (span) => {
          try {
            return await work(activeSpanOf(span));
          } catch (error) {
            markFailed(span, error);
            throw error;
          } finally {
            span.end();
          }
        },
      ),
    recordSpan: (name, attributes, startedAt, endedAt, error) => {
      // A statement outside any span (a claim loop's poll, a heartbeat) would be a trace of its own every few seconds.
      if (!trace.getActiveSpan()) return;
      const span = tracer.startSpan(name, { kind: OtelSpanKind.CLIENT, attributes: attributesOf(attributes), startTime: startedAt });
      if (error !== undefined) markFailed(span, error);
      span.end(endedAt);
    },
    activeSpanRecording: () => trace.getActiveSpan()?.isRecording() ?? false,
    activeIds: () => {
      const spanContext = trace.getActiveSpan()?.spanContext();
      return spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : undefined;
    },
    activeTraceparent: () => {
      if (!trace.getActiveSpan()) return undefined;
      const carrier: { traceparent?: string } = {};
      propagation.inject(context.active(), carrier);
      return carrier.traceparent;
    },
    shutdown: async () => {
      try {
        await provider.shutdown();
      } catch (error) {
        logger.warn({ err: error }, 'flushing the last spans failed');
      }
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

function samplerOf({ sampler, samplerRatio }: TracingSettings): Sampler {
  switch (sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(samplerRatio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerRatio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function attributesOf(attributes: SpanAttributes | undefined): Attributes | undefined {
  if (!attributes) return undefined;
  const defined: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) defined[key] = value;
  return defined;
}

function activeSpanOf(span: Span): ActiveSpan {
  return {
    isRecording: () => span.isRecording(),
    setAttributes: (attributes) => void span.setAttributes(attributesOf(attributes) ?? {}),
    addEvent: (name, attributes) => void span.addEvent(name, attributesOf(attributes)),
  };
}

function markFailed(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
