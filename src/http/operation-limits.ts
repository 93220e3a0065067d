import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import {
  BREAK,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLError,
  Kind,
  type ParseOptions,
  type SelectionSetNode,
  type Source,
  type ValidationContext,
  type ValidationRule,
  visit,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { operationCost } from './query-cost.ts';

export interface OperationLimits {
  maxQueryDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxTokens: number;
  maxQueryCost: number;
  maxPageSize: number;
  defaultPageSize: number;
}

/** The one code of every operation refused for its size or shape; `extensions.limit` says which. */
export const LIMIT_CODE = 'QUERY_LIMIT_EXCEEDED';

/** Made by yoga's createGraphQLError: the copy of graphql that yoga and graphql-ws check errors against. */
export function limitError(limit: string, max: number, message: string): GraphQLError {
  return createGraphQLError(message, { extensions: { code: LIMIT_CODE, limit, max, http: { status: 400 } } });
}

/**
 * Refuses oversized operations while parsing and validating, so before anything runs. These are
 * envelop hooks: yoga runs them for HTTP and SSE, and the graphql-ws server calls the same
 * parse and validate through yoga.getEnveloped.
 */
export function useOperationLimits(limits: OperationLimits): Plugin {
  const rules = [depthRule(limits.maxQueryDepth), aliasesRule(limits.maxAliases), rootFieldsRule(limits.maxRootFields)];
  const knownCosts: KnownCosts = new WeakMap();
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => parseWithTokenLimit(source, options, limits.maxTokens));
    },
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
    },
    // The cost needs the variables (a page size is often one), so it is checked just before execution.
    onExecute({ args, setResultAndStopExecution }) {
      const error = costError(args, limits, knownCosts);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = costError(args, limits, knownCosts);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

function parseWithTokenLimit(source: string | Source, options: ParseOptions | undefined, maxTokens: number): DocumentNode {
  try {
    const parser = new MaxTokensParserWLexer(
      source as string,
      { ...options, n: maxTokens, exposeLimits: true, propagateOnRejection: true } as never,
    );
    return parser.parseDocument();
  } catch (error) {
    if (error instanceof Error && /Token limit of \d+ exceeded/.test(error.message)) {
      throw limitError('tokens', maxTokens, `The operation has more than ${maxTokens} tokens (MAX_TOKENS).`);
    }
    // The parser recurses once per nesting level: past the stack, the input is hostile, not broken code.
    if (error instanceof RangeError) throw limitError('tokens', maxTokens, 'The operation is nested too deeply to parse.');
    if (error instanceof Error && error.name === 'GraphQLError') {
      const { source: errorSource, positions } = error as GraphQLError;
      throw createGraphQLError(error.message, {
        source: errorSource,
        positions,
        extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } },
      });
    }
    throw error;
  }
}

/** armor's counters, reporting one coded error instead of throwing out of validation. */
function depthRule(max: number): ValidationRule {
  return maxDepthRule({
    n: max,
    flattenFragments: true,
    propagateOnRejection: false,
    onReject: [(context, error) => context?.reportError(limitError('depth', max, `${stripPrefix(error.message)} (MAX_QUERY_DEPTH)`))],
  }) as unknown as ValidationRule;
}

function aliasesRule(max: number): ValidationRule {
  return maxAliasesRule({
    n: max,
    propagateOnRejection: false,
    onReject: [(context, error) => context?.reportError(limitError('aliases', max, `${stripPrefix(error.message)} (MAX_ALIASES)`))],
  }) as unknown as ValidationRule;
}

function stripPrefix(message: string): string {
  return message.replace(/^Syntax Error: /, '');
}

/** Top-level fields of an operation, aliases and fragments included: each is a separate lookup. */
function rootFieldsRule(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const count = countRootFields(context, operation.selectionSet, new Set());
      if (count > max)
        context.reportError(
          limitError('rootFields', max, `The operation selects ${count} top-level fields; at most ${max} are allowed (MAX_ROOT_FIELDS).`),
        );
    },
  });
}

function countRootFields(context: ValidationContext, selectionSet: SelectionSetNode, seen: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) count += selection.name.value === '__typename' ? 0 : 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += countRootFields(context, selection.selectionSet, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) count += countRootFields(context, fragment.selectionSet, seen);
    }
  }
  return count;
}

/**
 * An operation's cost depends on its variables only through a `first: $variable`; without one it
 * is the same on every request, and yoga's parser cache hands out the same DocumentNode for the
 * same text, so it is kept per document (and operation name) instead of walked again each time.
 */
type KnownCosts = WeakMap<DocumentNode, Map<string | null | undefined, number>>;

function costError(args: ExecutionArgs, limits: OperationLimits, knownCosts: KnownCosts): GraphQLError | undefined {
  const cost = cachedOperationCost(args, limits, knownCosts);
  if (cost <= limits.maxQueryCost) return undefined;
  const message = `The operation's estimated cost is ${cost}; at most ${limits.maxQueryCost} is allowed (MAX_QUERY_COST). Ask for fewer items or fewer URLs.`;
  return limitError('cost', limits.maxQueryCost, message);
}

function cachedOperationCost(args: ExecutionArgs, limits: OperationLimits, knownCosts: KnownCosts): number {
  const { schema, document, operationName, variableValues } = args;
  let costs = knownCosts.get(document);
  const known = costs?.get(operationName);
  if (known !== undefined) return known;
  const cost = operationCost({ schema, document, operationName, variables: variableValues }, limits);
  if (pageSizeFromVariable(document)) return cost;
  if (!costs) {
    costs = new Map();
    knownCosts.set(document, costs);
  }
  costs.set(operationName, cost);
  return cost;
}

/** Whether some `first` takes its value from a variable (so the cost changes with the variables). */
function pageSizeFromVariable(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Argument(argument) {
      if (argument.name.value === 'first' && argument.value.kind !== Kind.INT && argument.value.kind !== Kind.NULL) found = true;
      return found ? BREAK : undefined;
    },
  });
  return found;
}
