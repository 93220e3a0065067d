import { createRequire } from 'node:module';
import type { DocumentNode, ExecutionArgs, ExecutionResult, OperationDefinitionNode } from 'graphql';
import { isPromise, mapMaybePromise, type Plugin } from 'graphql-yoga';

// The graphql the schema was built with (Pothos and yoga load its CommonJS build). Under vitest an
// `import` from here gets the ES module build, another copy whose type checks reject the schema's
// types ("from another module or realm"); production loads the CommonJS build either way.
const { createSourceEventStream, execute, GraphQLError, getOperationAST, getVariableValues } = createRequire(import.meta.url)(
  'graphql',
) as typeof import('graphql');

type MaybePromise<T> = T | Promise<T>;

/**
 * What a subscriber's result may depend on besides the event, the document and the variables:
 * who it is (a field shown to the owner only, say). Subscribers with the same key get the same
 * result for the same event; undefined shares nothing.
 */
export type ViewerKey = (contextValue: unknown) => string | undefined;

/**
 * A subscription's events are executed once per shape, not once per subscriber: the result of an
 * event for one (document, operation, variables, viewer key) is handed to every subscriber of that
 * shape. An event a stream yields is the same object for all its followers (ProgressStream shares
 * them), so 5,000 subscribers of one workflow with one document cost one execution a change, not
 * 5,000, and they hand graphql-ws the same result object. A document whose variables do not coerce
 * goes the executor's own way, for its own errors.
 */
export function useSharedSubscriptionResults(viewerKey: ViewerKey): Plugin {
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  const documentId = (document: DocumentNode): number => {
    const known = documentIds.get(document);
    if (known !== undefined) return known;
    const id = nextDocumentId++;
    documentIds.set(document, id);
    return id;
  };
  return {
    onSubscribe({ setSubscribeFn, subscribeFn }) {
      setSubscribeFn((args: ExecutionArgs) => {
        const operation = getOperationAST(args.document, args.operationName);
        const viewer = viewerKey(args.contextValue);
        if (!operation || viewer === undefined) return subscribeFn(args);
        const variables = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
        if (variables.errors) return subscribeFn(args);
        const shape = `${documentId(args.document)}\n${args.operationName ?? ''}\n${viewer}\n${JSON.stringify(variables.coerced)}`;
        return mapMaybePromise(createSourceEventStream(args), (source) =>
          Symbol.asyncIterator in source ? new SharedResultStream(source[Symbol.asyncIterator](), args, operation, shape) : source,
        );
      });
    },
  };
}

/**
 * Writes a subscription's result to its subscriber at once (its transport's frame, on its socket);
 * false when it cannot now, and the result is then pulled through the iterators as any other.
 */
export type ResultWriter = (result: ExecutionResult) => boolean;

/** A source stream that can hand its events over as they come (ProgressStream.pushTo). */
interface PushSource {
  pushTo(push: (event: unknown) => boolean): void;
}

/** By subscription context (one per graphql-ws subscription): where its results may be written at once. */
const writers = new WeakMap<object, ResultWriter>();

/**
 * The transport of a subscription (graphql-ws) says how its results may be written to it directly,
 * before its subscribe runs. Only results without errors go that way: one with errors is pulled, so
 * that error masking and the error metrics see it as before.
 */
export function writeResultsDirectly(contextValue: object, writer: ResultWriter): void {
  writers.set(contextValue, writer);
}

/** A context's writer goes to the first stream made with it, and to no other. */
function takeWriter(contextValue: object): ResultWriter | undefined {
  const writer = writers.get(contextValue);
  writers.delete(contextValue);
  return writer;
}

/** Results by event, then by shape: gone with the event once no stream holds it. */
const resultsByEvent = new WeakMap<object, Map<string, MaybePromise<ExecutionResult>>>();

function sharedResult(event: unknown, shape: string, run: () => MaybePromise<ExecutionResult>): MaybePromise<ExecutionResult> {
  // A primitive event cannot key a WeakMap: executed for this subscriber alone.
  if (typeof event !== 'object' || event === null) return run();
  let byShape = resultsByEvent.get(event);
  if (!byShape) {
    byShape = new Map();
    resultsByEvent.set(event, byShape);
  }
  const known = byShape.get(shape);
  if (known) return known;
  const result = run();
  byShape.set(shape, result);
  return result;
}

/**
 * One subscriber's results: its source stream's events, each mapped to the shared result of its
 * shape. Ending it ends the source (the feed then releases the subscriber's slot).
 */
class SharedResultStream implements AsyncIterableIterator<ExecutionResult> {
  private readonly source: AsyncIterator<unknown>;
  private readonly args: ExecutionArgs;
  private readonly operation: OperationDefinitionNode;
  private readonly shape: string;
  constructor(source: AsyncIterator<unknown>, args: ExecutionArgs, operation: OperationDefinitionNode, shape: string) {
    this.source = source;
    this.args = args;
    this.operation = operation;
    this.shape = shape;
    const writer = typeof args.contextValue === 'object' && args.contextValue !== null ? takeWriter(args.contextValue) : undefined;
    if (writer && typeof (source as Partial<PushSource>).pushTo === 'function') {
      (source as unknown as PushSource).pushTo((event) => {
        const result = this.resultOf(event);
        return !isPromise(result) && !result.errors && writer(result);
      });
    }
  }

  /** The event's result for this stream's shape, executed by the first of its subscribers to need it. */
  private resultOf(event: unknown): MaybePromise<ExecutionResult> {
    return sharedResult(event, this.shape, () => execute({ ...this.args, rootValue: event }));
  }

  // Not async: every subscriber of an event goes through here, and each await would be one more turn of the microtask queue for each.
  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.next().then(
      (step) => {
        if (step.done) return { done: true, value: undefined };
        const event = step.value;
        return mapMaybePromise(this.resultOf(event), (value): IteratorResult<ExecutionResult> => ({ done: false, value }));
      },
      (error: unknown) => {
        // As the executor's own subscribe reports a failing stream: a GraphQLError on the operation.
        const original = error instanceof Error ? error : new Error(String(error));
        throw new GraphQLError(original.message, { originalError: original, nodes: [this.operation] });
      },
    );
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    return { done: true, value: undefined };
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}
