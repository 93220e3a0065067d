import type http from 'node:http';
import DataLoader from 'dataloader';
import type { WebSocket } from 'ws';
import type { Viewer } from './modules/auth/viewer.ts';
import type { Completion, MediaFile } from './modules/workflows/workflow.ts';
import type { WorkflowProgressFeed } from './progress/feed.ts';
import type { Services } from './services.ts';

export interface Loaders {
  completions: ChildrenLoader<Completion>;
  mediaFiles: ChildrenLoader<MediaFile>;
}

/**
 * A workflow's completions or media files. What the workflow's own read brought (or an event
 * carried) is handed back as it is, not as a promise: the executor then completes the nested
 * fields at once instead of waiting on a promise per field per workflow (most of a page's
 * execution time). Anything else is batched into one query per request.
 */
export class ChildrenLoader<T> {
  private readonly known = new Map<string, T[]>();
  private loader: DataLoader<string, T[]> | undefined;

  private readonly batch: (ids: readonly string[]) => Promise<T[][]>;
  constructor(batch: (ids: readonly string[]) => Promise<T[][]>) {
    this.batch = batch;
  }

  load(id: string): T[] | Promise<T[]> {
    const known = this.known.get(id);
    if (known) return known;
    this.loader ??= new DataLoader(this.batch);
    return this.loader.load(id);
  }

  /** Read with the workflow, or carried by an event: replaces whatever was known. */
  prime(id: string, items: T[]): void {
    this.known.set(id, items);
  }
}

/** What the transports hand to yoga: the Node request, or the graphql-ws socket and its params. */
export interface ServerContext {
  req?: http.IncomingMessage;
  socket?: WebSocket;
  connectionParams?: Record<string, unknown>;
  /** Already resolved from the Authorization header at the HTTP edge, before the body was read. */
  viewer?: Viewer;
}

export interface GraphQLContext {
  viewer: Viewer;
  services: Services;
  loaders: Loaders;
  live: LiveContext;
}

/** What a subscription needs beyond the request: the process's feed and where the caller is. */
export interface LiveContext {
  feed: WorkflowProgressFeed;
  /** The WebSocket, or the HTTP request for SSE: the unit of the per-connection limit. */
  connection: object;
  remoteAddress: string | undefined;
}

/** Per request: batches the per-workflow reads of a list into one query each. */
export function createLoaders(services: Services): Loaders {
  const groupBy = <T extends { workflowId: string }>(ids: readonly string[], items: T[]) => {
    const byId = new Map<string, T[]>(ids.map((id) => [id, []]));
    for (const item of items) byId.get(item.workflowId)?.push(item);
    return ids.map((id) => byId.get(id)!);
  };
  return {
    completions: new ChildrenLoader(async (ids) => groupBy(ids, await services.workflows.completionsOf(ids))),
    mediaFiles: new ChildrenLoader(async (ids) => groupBy(ids, await services.workflows.mediaFilesOf(ids))),
  };
}

/** `authenticated`: the viewer the HTTP edge already resolved from the same header (one lookup per request). */
export async function createContext(
  services: Services,
  authorization: string | null | undefined,
  live: LiveContext,
  authenticated?: Viewer,
): Promise<GraphQLContext> {
  const viewer = authenticated ?? (await services.customers.authenticate(authorization));
  return { viewer, services, loaders: createLoaders(services), live };
}
