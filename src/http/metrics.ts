import type http from 'node:http';
import { createCounter, createHistogram, type FillLabelsFnParams, usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import { Gauge, type Registry } from 'prom-client';
import { sameSecret } from '../modules/customers/api-keys.ts';
import type { QueueStats } from '../queue/stats.ts';

/** Distinct operation names kept as label values; later new names are counted as "other". */
const MAX_OPERATION_NAMES = 100;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Prometheus metrics whose every label has a bounded set of values: operation type, phase,
 * method and status, and operation names up to MAX_OPERATION_NAMES (clients choose them
 * freely). No URL and no error path (each would add a series per request).
 */
// long-function: one declarative table of the plugin's metrics, an entry each; split, the list would be harder to check against the plugin's own.
export function useBoundedMetrics(registry: Registry): Plugin {
  const operationName = boundedOperationNames();
  const labelsOf = (params: FillLabelsFnParams) => ({
    operationName: operationName(params.operationName),
    operationType: params.operationType ?? 'unknown',
  });
  const histogram = <Phase extends 'parse' | 'validate' | 'context' | 'execute' | 'subscribe'>(
    name: string,
    help: string,
    phases: [Phase, ...Phase[]],
  ) =>
    createHistogram({
      registry,
      histogram: { name, help, labelNames: ['operationName', 'operationType'] },
      fillLabelsFn: labelsOf,
      phases,
    });
  return usePrometheus({
    // The plugin only collects: its endpoint would answer any path its URL parser reads as /metrics,
    // past the METRICS_TOKEN check in routes.ts, so serveMetrics answers GET /metrics instead.
    endpoint: false,
    registry,
    labels: { url: false, path: false },
    metrics: {
      graphql_envelop_phase_parse: histogram('graphql_envelop_phase_parse', 'Time spent on running GraphQL "parse" function', ['parse']),
      graphql_envelop_phase_validate: histogram('graphql_envelop_phase_validate', 'Time spent on running GraphQL "validate" function', [
        'validate',
      ]),
      graphql_envelop_phase_context: histogram('graphql_envelop_phase_context', 'Time spent on building the GraphQL context', ['context']),
      graphql_envelop_phase_execute: histogram('graphql_envelop_phase_execute', 'Time spent on running the GraphQL "execute" function', [
        'execute',
      ]),
      graphql_envelop_phase_subscribe: histogram(
        'graphql_envelop_phase_subscribe',
        'Time spent on running the GraphQL "subscribe" function',
        ['subscribe'],
      ),
      graphql_envelop_request_duration: histogram(
        'graphql_envelop_request_duration',
        'Time spent on running the GraphQL operation from parse to execute',
        ['execute', 'subscribe'],
      ),
      graphql_envelop_request: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_request',
          help: 'Counts the amount of GraphQL requests executed through Envelop',
          labelNames: ['operationName', 'operationType'],
        },
        fillLabelsFn: labelsOf,
        phases: ['execute', 'subscribe'],
      }),
      graphql_envelop_error_result: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_error_result',
          help: 'Counts the amount of errors reported from all phases',
          labelNames: ['operationName', 'operationType', 'phase'],
        },
        fillLabelsFn: (params) => ({ ...labelsOf(params), phase: params.errorPhase ?? 'unknown' }),
        phases: ['parse', 'validate', 'context', 'execute', 'subscribe'],
      }),
      graphql_yoga_http_duration: createHistogram({
        registry,
        histogram: {
          name: 'graphql_yoga_http_duration',
          help: 'Time spent on HTTP connection',
          labelNames: ['operationName', 'operationType', 'method', 'statusCode'],
        },
        fillLabelsFn: (params, { request, response }) => ({
          ...labelsOf(params),
          method: boundedMethod(request.method),
          statusCode: response.status,
        }),
        phases: ['request'],
      }),
      // Their labels (field names of deprecated fields, a summary per operation) add nothing bounded here.
      graphql_envelop_request_time_summary: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_execute_resolver: false,
    },
  });
}

function boundedOperationNames(): (name: string | undefined) => string {
  const seen = new Set<string>();
  return (name) => {
    if (!name) return 'Anonymous';
    if (!OPERATION_NAME.test(name)) return 'other';
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_NAMES) return 'other';
    seen.add(name);
    return name;
  };
}

function boundedMethod(method: string): string {
  return ['GET', 'POST', 'OPTIONS'].includes(method) ? method : 'other';
}

/** The registry as Prometheus text; the caller has checked metricsAllowed. */
export async function serveMetrics(registry: Registry, res: http.ServerResponse): Promise<void> {
  const text = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType }).end(text);
}

/** With a token set, /metrics is for the scraper that knows it. */
export function metricsAllowed(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  return presented !== undefined && sameSecret(presented, token);
}

const QUEUE_GAUGES: Array<[name: string, help: string, value: keyof QueueStats]> = [
  ['framewright_queue_depth', 'Workflow runs waiting for a worker, due now or later (retries wait for their backoff)', 'queuedRuns'],
  ['framewright_queue_due', 'Workflow runs due now and waiting for a worker', 'dueRuns'],
  ['framewright_queue_running', 'Workflow runs a worker holds', 'runningRuns'],
  ['framewright_queue_oldest_age_seconds', 'How long the oldest due workflow run has waited (0: none waits)', 'oldestDueAgeSeconds'],
  ['framewright_workers_alive', 'Job runners whose heartbeat is recent, in every process', 'workersAlive'],
  ['framewright_worker_slots', 'Workflow-run slots of the live job runners, together (WORKER_CONCURRENCY each)', 'workerSlots'],
  ['framewright_webhook_deliveries_pending', 'Webhook deliveries neither delivered nor given up yet', 'deliveriesPending'],
];

/**
 * Gauges of the whole deployment's queue, read from the database at scrape time: every API process
 * reports the same values, so a dashboard takes max() over them, not sum(). One query per scrape.
 */
export function registerQueueGauges(registry: Registry, read: () => Promise<QueueStats>): void {
  let pending: Promise<QueueStats | undefined> | undefined;
  // The gauges of one scrape share one read.
  const current = () => {
    pending ??= read()
      .catch(() => undefined)
      .finally(() => setTimeout(() => (pending = undefined), 500).unref());
    return pending;
  };
  for (const [name, help, key] of QUEUE_GAUGES) {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const values = await current();
        // Without the database the gauge keeps no stale value: the scrape shows it missing.
        if (values) this.set(values[key]);
        else this.reset();
      },
    });
  }
}
