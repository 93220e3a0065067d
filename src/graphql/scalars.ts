import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { limits } from '../config.ts';
import { builder } from './builder.ts';

builder.scalarType('DateTime', {
  description: 'An RFC 3339 date-time in UTC, e.g. 2025-04-11T18:33:59.780Z.',
  serialize: (value) => isoText(value),
  parseValue: (value) => parseDate(value),
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

/**
 * What toISOString gives, for the most frequent leaf of a read (two per completion, on every
 * workflow of a page): toISOString took about a microsecond a call, as much as the rest of a
 * page's execution. The text is formatted from the UTC fields and remembered by the instant (not
 * by the Date object, which could change after), so the same timestamps read again, by this
 * caller or the next, cost a map lookup. Bounded: the map is emptied when full.
 */
const isoTexts = new Map<number, string>();
const MAX_ISO_TEXTS = 10_000;

export function isoText(date: Date): string {
  const time = date.getTime();
  let text = isoTexts.get(time);
  if (text === undefined) {
    text = formatIso(date);
    if (isoTexts.size >= MAX_ISO_TEXTS) isoTexts.clear();
    isoTexts.set(time, text);
  }
  return text;
}

function formatIso(date: Date): string {
  const year = date.getUTCFullYear();
  // Other years take a sign or six digits (and an invalid Date throws): toISOString knows how.
  if (!(year >= 0 && year <= 9999)) return date.toISOString();
  const month = date.getUTCMonth() + 1;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(date.getUTCDate(), 2)}T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(
    date.getUTCSeconds(),
    2,
  )}.${pad(date.getUTCMilliseconds(), 3)}Z`;
}

function pad(value: number, digits: number): string {
  const text = String(value);
  return text.length >= digits ? text : '0'.repeat(digits - text.length) + text;
}

builder.scalarType('File', {
  description: "A file sent with the GraphQL multipart request spec (graphql-yoga's built-in File scalar).",
  serialize: () => {
    throw new GraphQLError('File is an input-only scalar');
  },
  // Anything else (a path, an object from the JSON body) would fail later, as an unexpected error.
  parseValue: (value) => {
    if (isUploadedFile(value)) return value;
    throw new GraphQLError(
      'File must be a file sent as a part of a multipart request (the GraphQL multipart request spec), not a string or an object',
    );
  },
  parseLiteral: () => {
    throw new GraphQLError('File cannot be written inline: send it as a part of a multipart request (the GraphQL multipart request spec)');
  },
});

/** What yoga's multipart parser hands over: a File (a Blob with a name). JSON can hold no functions. */
function isUploadedFile(value: unknown): value is File {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<File>;
  return typeof candidate.arrayBuffer === 'function' && typeof candidate.name === 'string' && typeof candidate.size === 'number';
}

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => withBoundedDepth(value),
  parseLiteral: (ast, variables) => withBoundedDepth(literal(ast, variables)),
});

/**
 * Deeper values overflow the stack of whatever walks them later (JSON.stringify of a log line);
 * legitimate context objects are shallow.
 */
function withBoundedDepth(value: unknown): unknown {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= limits.maxJsonDepth) throw new GraphQLError(`JSON values may nest at most ${limits.maxJsonDepth} levels deep`);
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return value;
}

function literal(ast: ValueNode, variables?: Record<string, unknown> | null): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literal(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    default:
      return undefined;
  }
}

function parseDate(value: unknown): Date {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new GraphQLError('DateTime must be an RFC 3339 date-time string, e.g. 2025-04-11T18:33:59.780Z');
}
