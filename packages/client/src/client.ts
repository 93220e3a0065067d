import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { FramewrightRequestError, unwrap } from './errors.ts';
import {
  CancelWorkflow,
  CreateUpload,
  CreateWorkflow,
  DeleteWorkflow,
  GetWorkflow,
  ListWorkflows,
  LogError,
  Me,
  Models,
  RetryWorkflow,
} from './operations.ts';
import { causeOf, type FileVariable, postOperation } from './transport.ts';
import type { CreateOptions, LogErrorInput, Model, SourceImage, Workflow, WorkflowFilter, WorkflowSpec } from './types.ts';
import { type WatchOptions, watchWorkflow } from './watch.ts';

export interface ClientOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** A customer's (or the admin's) API key. */
  apiKey?: string | undefined;
  /**
   * Operations go by their hash (trusted documents) unless this is false; a service that does not
   * know a hash gets the document instead, where it allows documents (TRUSTED_DOCUMENTS=allow).
   */
  byHash?: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

interface Image {
  bytes: Uint8Array<ArrayBuffer>;
  filename: string;
  contentType: string;
}

function contentTypeOf(filename: string): string {
  return CONTENT_TYPES[extensionOf(filename).toLowerCase()] ?? 'application/octet-stream';
}

async function readSource(source: SourceImage): Promise<Image> {
  if (typeof source !== 'string') {
    return {
      bytes: new Uint8Array(source.bytes),
      filename: source.filename,
      contentType: source.contentType ?? contentTypeOf(source.filename),
    };
  }
  // Node only, loaded only here: in a browser a source is bytes, and nothing of node: is imported.
  const { readSourceFile } = await import('./node-files.ts');
  const { bytes, filename } = await readSourceFile(source);
  return { bytes, filename, contentType: contentTypeOf(filename) };
}

/** A typed client of the Framewright API: every call is an operation checked against its schema. */
export class FramewrightClient {
  readonly url: string;
  readonly #apiKey: string | undefined;
  readonly #byHash: boolean;

  constructor(options: ClientOptions) {
    this.url = options.url;
    this.#apiKey = options.apiKey;
    this.#byHash = options.byHash ?? true;
  }

  /** Any operation, typed by its document. */
  request<R, V>(document: TypedDocumentNode<R, V>, variables: V, files?: FileVariable[]): Promise<R> {
    return postOperation(this.url, this.#apiKey, document, variables, files, this.#byHash);
  }

  /** The customer behind the key: a cheap way to check the key before sending a large file. */
  async me(): Promise<{ id: string; name: string; credits: number }> {
    return (await this.request(Me, {})).me;
  }

  async models(): Promise<Model[]> {
    return (await this.request(Models, {})).models;
  }

  /** Sends the image and creates the workflow; it is QUEUED when this returns. */
  async create(source: SourceImage, spec: WorkflowSpec, options: CreateOptions = {}): Promise<Workflow> {
    const image = await readSource(source);
    if (options.upload === 'presigned') {
      const uploadId = await this.#uploadToUrl(image);
      return unwrap((await this.request(CreateWorkflow, { input: { ...spec, uploadId } })).createWorkflow, 'Workflow');
    }
    const blob = new Blob([image.bytes], { type: image.contentType });
    const files = [{ path: 'input.source', blob, filename: image.filename }];
    return unwrap((await this.request(CreateWorkflow, { input: { ...spec, source: null } }, files)).createWorkflow, 'Workflow');
  }

  async #uploadToUrl(image: Image): Promise<string> {
    const input = { filename: image.filename, contentType: image.contentType, size: image.bytes.byteLength };
    const upload = unwrap((await this.request(CreateUpload, { input })).createUpload, 'Upload');
    const headers = upload.headers as Record<string, string>;
    const response = await fetch(upload.url, { method: 'PUT', headers, body: image.bytes }).catch((error: unknown) => {
      throw new FramewrightRequestError(`cannot reach the upload URL ${new URL(upload.url).origin}: ${causeOf(error)}`, 'NETWORK_ERROR');
    });
    if (!response.ok)
      throw new FramewrightRequestError(`the upload was refused: HTTP ${response.status}`, 'UPLOAD_FAILED', response.status);
    return upload.id;
  }

  async get(id: string): Promise<Workflow> {
    return unwrap((await this.request(GetWorkflow, { id })).workflow, 'Workflow');
  }

  /** The caller's workflows, newest first; pass `after: endCursor` for the next page. */
  async list(options: { first?: number; after?: string; filter?: WorkflowFilter } = {}) {
    const { workflows } = await this.request(ListWorkflows, options);
    return { workflows: workflows.edges.map((edge) => edge.node), pageInfo: workflows.pageInfo };
  }

  async cancel(id: string): Promise<Workflow> {
    return unwrap((await this.request(CancelWorkflow, { id })).cancelWorkflow, 'Workflow');
  }

  async retry(id: string): Promise<Workflow> {
    return unwrap((await this.request(RetryWorkflow, { id })).retryWorkflow, 'Workflow');
  }

  /** Deletes the workflow and its files; returns the keys of the objects removed. */
  async delete(id: string): Promise<string[]> {
    return unwrap((await this.request(DeleteWorkflow, { id })).deleteWorkflow, 'DeleteWorkflowPayload').deletedObjects;
  }

  /** Appends an entry to this week's error log of the caller's customer; returns the log's path. */
  async logError(input: LogErrorInput): Promise<string> {
    return unwrap((await this.request(LogError, { input })).logError, 'LogErrorSuccess').logPath;
  }

  /**
   * Progress events of a workflow until its final status (`for await`); survives dropped
   * connections by resuming from the last version seen. Breaking out of the loop unsubscribes.
   */
  watch(id: string, options?: WatchOptions) {
    return watchWorkflow(this.url, this.#apiKey, id, { byHash: this.#byHash, ...options });
  }

  /**
   * Saves the workflow's final media into `dir` as `<workflow id><ext>` and returns the paths.
   * The URLs are signed by the service and point at its bucket (S3_PUBLIC_ENDPOINT), which this
   * machine must be able to reach.
   */
  async download(workflowOrId: Workflow | string, dir: string): Promise<string[]> {
    const workflow = typeof workflowOrId === 'string' ? await this.get(workflowOrId) : workflowOrId;
    if (workflow.mediaResult.length === 0) {
      throw new FramewrightRequestError(`workflow ${workflow.id} has no result (it is ${workflow.processingStatus})`, 'NO_RESULT');
    }
    const { saveUrls } = await import('./node-files.ts');
    return saveUrls(
      dir,
      workflow.mediaResult.map((media, i) => ({
        url: media.url,
        name: `${workflow.id}${workflow.mediaResult.length > 1 ? `-${i + 1}` : ''}${extensionOf(media.key)}`,
      })),
    );
  }
}

/** `.png` of `a/b.png`; empty when the last segment has no dot. */
function extensionOf(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}
