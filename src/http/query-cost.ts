import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLField,
  GraphQLNamedType,
  GraphQLOutputType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import { Kind } from 'graphql';

export interface CostSettings {
  /** A connection's page size when `first` is a variable or missing: the largest allowed and the default. */
  maxPageSize: number;
  defaultPageSize: number;
}

/** Every URL signed at read time costs this many plain fields: a signature and a long string each. */
export const SIGNED_URL_COST = 10;
/** Fields whose every value is a freshly signed URL. */
const SIGNED_URL_FIELDS = new Set(['MediaFile.url', 'ErrorLog.url', 'Upload.url', 'Workflow.result']);
/** Lists bounded by the domain (a pipeline has at most five flows, a flow writes at most two files). */
const KNOWN_LIST_SIZES: Record<string, number> = {
  'Workflow.completions': 5,
  'Completion.result': 2,
  'Workflow.mediaResult': 2,
  'Workflow.result': 2,
};
/** Any other list is assumed to be this long: an estimate on the safe side for this schema. */
const DEFAULT_LIST_SIZE = 10;

/**
 * The estimated cost of an operation before it runs, with its variables (so `first: $n` counts
 * as n): each field is 1, each signed URL
 * SIGNED_URL_COST, and everything under a list is multiplied by the list's size (a connection's
 * `first`). Union members are summed, not maxed: an over-estimate, never an under-estimate.
 * Introspection (`__` fields) is free: its size is the schema's, not the caller's choice.
 */
export function operationCost(
  request: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variables?: Record<string, unknown> | null },
  settings: CostSettings,
): number {
  const operation = selectedOperation(request.document, request.operationName);
  const rootType = operation && request.schema.getRootType(operation.operation);
  if (!operation || !rootType) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of request.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const variables = request.variables ?? {};
  const context = { getSchema: () => request.schema, getFragment: (name: string) => fragments.get(name) };
  const inProgress = new Set<string>();
  const costOf = (set: SelectionSetNode, parentType: GraphQLNamedType, pageSize: number): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection, parentType, pageSize);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? context.getSchema().getType(selection.typeCondition.name.value) : parentType;
        if (type) total += costOf(selection.selectionSet, type, pageSize);
      } else {
        const fragment = context.getFragment(selection.name.value);
        // A cycle is reported by the standard rules; counting it once is enough here.
        if (!fragment || inProgress.has(fragment.name.value)) continue;
        inProgress.add(fragment.name.value);
        const type = context.getSchema().getType(fragment.typeCondition.name.value);
        if (type) total += costOf(fragment.selectionSet, type, pageSize);
        inProgress.delete(fragment.name.value);
      }
    }
    return total;
  };
  const fieldCost = (field: FieldNode, parentType: GraphQLNamedType, pageSize: number): number => {
    if (field.name.value.startsWith('__')) return 0;
    const definition = fieldsOf(parentType)?.[field.name.value];
    if (!definition) return 0;
    const coordinate = `${parentType.name}.${field.name.value}`;
    const own = SIGNED_URL_FIELDS.has(coordinate) ? SIGNED_URL_COST : 1;
    const childPageSize = pageSizeOf(field, variables, settings) ?? pageSize;
    const type = namedTypeOf(definition.type);
    const below = field.selectionSet ? costOf(field.selectionSet, type, childPageSize) : 0;
    if (!isList(definition.type)) return own + below;
    const size = field.name.value === 'edges' ? pageSize : (KNOWN_LIST_SIZES[coordinate] ?? DEFAULT_LIST_SIZE);
    return size * (own + below);
  };
  return costOf(operation.selectionSet, rootType, settings.defaultPageSize);
}

/** The operation that will run: the named one, or the only one (anything else fails elsewhere). */
function selectedOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (operationName) return operations.find((operation) => operation.name?.value === operationName);
  return operations.length === 1 ? operations[0] : undefined;
}

/*
 * Structural checks rather than graphql's isObjectType & co: those use instanceof, and the
 * schema may come from the other copy of graphql (yoga loads CommonJS, this module may be ESM).
 */
function fieldsOf(type: GraphQLNamedType): Record<string, GraphQLField<unknown, unknown>> | undefined {
  const candidate = type as Partial<{ getFields: () => Record<string, GraphQLField<unknown, unknown>> }>;
  return typeof candidate.getFields === 'function' ? candidate.getFields() : undefined;
}

function namedTypeOf(type: GraphQLOutputType): GraphQLNamedType {
  let current: unknown = type;
  while (typeof current === 'object' && current !== null && 'ofType' in current) current = (current as { ofType: unknown }).ofType;
  return current as GraphQLNamedType;
}

/** `[Completion!]!` and `[String]` are lists, `Workflow!` is not. */
function isList(type: GraphQLOutputType): boolean {
  return String(type).startsWith('[');
}

/** `first: 30` and `first: $n` with n = 30 are 30, capped at the largest page; no `first` is the default page. */
function pageSizeOf(field: FieldNode, variables: Record<string, unknown>, settings: CostSettings): number | undefined {
  const first = field.arguments?.find((argument) => argument.name.value === 'first');
  if (!first) return field.name.value === 'workflows' ? settings.defaultPageSize : undefined;
  const value =
    first.value.kind === Kind.VARIABLE
      ? variables[first.value.name.value]
      : first.value.kind === Kind.INT
        ? Number(first.value.value)
        : undefined;
  if (value === undefined || value === null) return settings.defaultPageSize;
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(value, 0), settings.maxPageSize) : settings.maxPageSize;
}
