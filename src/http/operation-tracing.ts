import { createHash } from 'node:crypto';
import { getOperationAST, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { inSpan, tracingOn } from '../tracing/tracing.ts';

/**
 * One span per GraphQL operation, under the HTTP request's span, around its execution, so the
 * statements and bucket calls its resolvers make are its children. Placed last among the plugins:
 * it wraps whichever execute function the others settled on (the compiled one). Subscriptions get
 * no operation span: it would stay open as long as the stream; their events' fan-out is a metric.
 */
export function useOperationTracing(): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (!tracingOn()) return;
      const operation = getOperationAST(args.document, args.operationName);
      const source = (args.contextValue as { params?: { query?: string } }).params?.query;
      setExecuteFn((run) =>
        inSpan(spanName(operation), {}, async (span) => {
          // The document's hash only for a sampled operation: at a low ratio most are not.
          if (span.isRecording()) span.setAttributes(operationAttributes(operation, source));
          return executeFn(run);
        }),
      );
    },
  };
}

function spanName(operation: OperationDefinitionNode | null | undefined): string {
  if (!operation) return 'graphql';
  return operation.name ? `${operation.operation} ${operation.name.value}` : operation.operation;
}

function operationAttributes(operation: OperationDefinitionNode | null | undefined, source: string | undefined) {
  return {
    'graphql.operation.type': operation?.operation,
    'graphql.operation.name': operation?.name?.value,
    // The document's hash, not its text: a trace store should not hold what a caller sent, and a hash groups the same query.
    'graphql.document.hash': source === undefined ? undefined : documentHash(source),
  };
}

/**
 * An operation sent by hash (a trusted document) stands in params as the persisted-operations
 * plugin's placeholder, `__PERSISTED_OPERATION_<id>__`: its hash is the id itself, the same
 * sha256 of the same text as when the document is sent whole.
 */
function documentHash(source: string): string {
  const trusted = /^__PERSISTED_OPERATION_(?:sha256:)?([0-9a-fA-F]{64})__$/.exec(source);
  return `sha256:${trusted ? trusted[1]!.toLowerCase() : createHash('sha256').update(source).digest('hex')}`;
}
