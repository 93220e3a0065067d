import type { TestApp } from '../helpers/harness.ts';
import { expectDocumentedRequest, expectDocumentedResponse } from './openapi-check.ts';

export interface RestResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever the route answered, checked against the document first.
  body: any;
  headers: Headers;
}

export interface RestOptions {
  key?: string;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  /** The route's template in the OpenAPI document, e.g. "/v1/workflows/{id}"; the path itself when omitted. */
  template?: string;
  /** A request the document itself refuses (a field out of its format): checked to be refused. */
  invalidRequest?: boolean;
}

/** One REST call; its request body and its answer are checked against the OpenAPI document. */
export async function rest(app: TestApp, method: string, path: string, options: RestOptions = {}): Promise<RestResponse> {
  const template = options.template ?? path.split('?')[0]!;
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers['authorization'] = `Bearer ${options.key}`;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
    expectDocumentedRequest(method, template, 'application/json', options.json, !options.invalidRequest);
  } else if (options.form) {
    body = options.form;
    const fields = Object.fromEntries(
      [...options.form.entries()].map(([name, value]) => [name, typeof value === 'string' ? value : 'file']),
    );
    expectDocumentedRequest(method, template, 'multipart/form-data', fields, !options.invalidRequest);
  }
  const response = await fetch(`${app.url.replace(/\/graphql$/, '')}${path}`, { method, headers, body });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  expectDocumentedResponse(method, template, response.status, parsed);
  return { status: response.status, body: parsed, headers: response.headers };
}
