import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { buildOpenApiDocument } from '../../src/rest/openapi.ts';

// Checks a REST request or answer against the OpenAPI document the service serves: the document
// must describe every body a route takes and gives, success and error alike.

const document = buildOpenApiDocument() as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
};

interface Operation {
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addFormat('binary', true);

function operation(method: string, template: string): Operation {
  const found = document.paths[template]?.[method.toLowerCase()];
  if (!found) throw new Error(`the OpenAPI document has no ${method} ${template}`);
  return found;
}

function check(schema: object | undefined, body: unknown, what: string, valid = true): void {
  if (!schema) throw new Error(`the OpenAPI document gives no schema for ${what}`);
  // The references point into the document's components: they travel with the schema.
  const validate = ajv.compile({ ...schema, components: document.components });
  if (!valid) {
    expect(validate(body), `${what} should be refused by the document`).toBe(false);
    return;
  }
  expect(validate(body) ? [] : validate.errors, `${what}: ${JSON.stringify(body).slice(0, 400)}`).toEqual([]);
}

export function expectDocumentedResponse(method: string, template: string, status: number, body: unknown): void {
  const response = operation(method, template).responses[String(status)];
  if (!response) throw new Error(`the OpenAPI document has no ${status} for ${method} ${template}`);
  check(response.content?.['application/json']?.schema, body, `${method} ${template} ${status}`);
}

export function expectDocumentedRequest(method: string, template: string, contentType: string, body: unknown, valid = true): void {
  check(
    operation(method, template).requestBody?.content[contentType]?.schema,
    body,
    `${method} ${template} request (${contentType})`,
    valid,
  );
}
