import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  getOperationAST,
  Kind,
  locatedError,
  type SelectionSetNode,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { mapMaybePromise, type Plugin } from 'graphql-yoga';

/**
 * A query is compiled once it has run this many times. Compiling costs many executions' worth of
 * CPU: one-off documents (and a caller sending endless distinct ones) are left to graphql-js.
 */
const RUNS_BEFORE_COMPILING = 10;

/**
 * Queries a client keeps sending run by a compiled executor: graphql-jit turns a document into a
 * function once (yoga's parser cache hands out the same DocumentNode for the same text), which
 * then runs without graphql-js's per-field work (type checks, resolve info and argument values on
 * every field of every workflow of a page). Mutations and subscriptions keep graphql-js's
 * executor; so does a document jit cannot compile (its errors are graphql-js's to report).
 * `compileAtOnce` names documents worth compiling on their first run: trusted documents, a known
 * and bounded set.
 */
export function useCompiledQueries({ compileAtOnce }: { compileAtOnce?: (document: DocumentNode) => boolean } = {}): Plugin {
  const byDocument = new WeakMap<DocumentNode, Map<string | null | undefined, number | CompiledQuery | null>>();
  const compiledFor = (args: ExecutionArgs): CompiledQuery | null => {
    let byName = byDocument.get(args.document);
    if (!byName) {
      byName = new Map();
      byDocument.set(args.document, byName);
    }
    const known = byName.get(args.operationName) ?? 0;
    if (typeof known !== 'number') return known;
    if (known + 1 < RUNS_BEFORE_COMPILING && !compileAtOnce?.(args.document)) {
      byName.set(args.operationName, known + 1);
      return null;
    }
    const compiled = isQuery(args) ? asCompiled(compileQuery(args.schema, args.document, args.operationName ?? undefined)) : null;
    byName.set(args.operationName, compiled);
    return compiled;
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const query = compiledFor(args);
      if (!query) return;
      // Variables that do not coerce: no data, and graphql-js's own errors (and 400) for them.
      setExecuteFn((run) =>
        mapMaybePromise(query.query(run.rootValue, run.contextValue, run.variableValues), (result) =>
          result.data === undefined ? executeFn(run) : withFieldNodes(result, run),
        ),
      );
    },
  };
}

/**
 * A compiled query's errors carry a path and locations but not the field nodes graphql-js puts in
 * its errors, which yoga needs to write the locations out: they are found again from the path,
 * and each error is located as graphql-js would have located it.
 */
function withFieldNodes(result: ExecutionResult, { document, operationName }: ExecutionArgs): ExecutionResult {
  if (!result.errors?.length) return result;
  const operation = getOperationAST(document, operationName);
  if (!operation) return result;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const errors = result.errors.map((error) => {
    if (error.nodes || !error.path) return error;
    const nodes = fieldNodesAt(operation.selectionSet, error.path, fragments);
    if (nodes.length === 0) return error;
    return locatedError(error.originalError ?? new GraphQLError(error.message), nodes, error.path);
  });
  return { ...result, errors };
}

/** The field nodes a response path leads to (list indexes skipped), through fragments. */
function fieldNodesAt(
  root: SelectionSetNode,
  path: ReadonlyArray<string | number>,
  fragments: Map<string, FragmentDefinitionNode>,
): FieldNode[] {
  let sets = [root];
  let nodes: FieldNode[] = [];
  for (const key of path) {
    if (typeof key === 'number') continue;
    nodes = [];
    const collect = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if ((selection.alias ?? selection.name).value === key) nodes.push(selection);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          collect(selection.selectionSet);
        } else {
          const fragment = fragments.get(selection.name.value);
          if (fragment) collect(fragment.selectionSet);
        }
      }
    };
    for (const set of sets) collect(set);
    sets = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  }
  return nodes;
}

function asCompiled(result: ReturnType<typeof compileQuery>): CompiledQuery | null {
  return isCompiledQuery(result as Parameters<typeof isCompiledQuery>[0]) ? (result as CompiledQuery) : null;
}

function isQuery({ document, operationName }: ExecutionArgs): boolean {
  return getOperationAST(document, operationName)?.operation === 'query';
}
