import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildOpenApiDocument, openApiJson } from '../../src/rest/openapi.ts';
import { graphql } from '../gql/index.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { pngWithTransparentBorder } from '../helpers/images.ts';
import type { paths } from './openapi-types.ts';
import { rest } from './rest-client.ts';

const ComparedWorkflow = graphql(`
  query ComparedWorkflow($id: ID!) {
    workflow(id: $id) {
      __typename
      ... on Workflow {
        id
        title
        description
        visibilityStatus
        model
        options {
          aspectRatio
          pipelineMode
        }
        primaryUserId
        customerId
        processingStatus
        progressPercentage
        completions {
          flow
          result {
            url
          }
        }
        result
        mediaResult {
          size
          updatedAt
        }
        createdAt
        updatedAt
      }
    }
  }
`);

let app: TestApp;
let png: Buffer;
beforeAll(async () => {
  app = await startTestApp({ worker: {} });
  png = await pngWithTransparentBorder(240, 120);
});
afterAll(() => app?.stop());

const baseUrl = () => app.url.replace(/\/graphql$/, '');

describe('the OpenAPI document', () => {
  test('is a valid OpenAPI 3.1 document, served at /v1/openapi.json as printed in openapi.json', async () => {
    const result = await new Validator().validate(buildOpenApiDocument() as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const served = await fetch(`${baseUrl()}/v1/openapi.json`);
    expect(served.status).toBe(200);
    const text = await served.text();
    expect(text).toBe(openApiJson());
    expect(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')).toBe(text);
  });
});

/** Signed URLs carry their signing time: the object they name is what must agree. */
const objectOf = (url: string) => url.split('?')[0];

describe('REST and GraphQL read the same workflow', () => {
  test('field by field', async () => {
    const { apiKey } = await app.createCustomer(10);
    const form = new FormData();
    for (const [name, value] of Object.entries({ title: 'Compared', model: 'vim_new_year_2026', primary_user_id: 'u-1' }))
      form.set(name, value);
    form.set('options', JSON.stringify({ aspect_ratio: '16:9', pipeline_mode: 'image' }));
    form.set('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'photo.png');
    const created = await rest(app, 'POST', '/v1/workflows', { key: apiKey, form });
    expect(created.status).toBe(201);
    const id: string = created.body.data.id;
    let json = created.body.data;
    while (json.processing_status !== 'success') {
      expect(['queued', 'processing']).toContain(json.processing_status);
      await new Promise((resolve) => setTimeout(resolve, 200));
      json = (await rest(app, 'GET', `/v1/workflows/${id}`, { key: apiKey, template: '/v1/workflows/{id}' })).body.data;
    }
    const response = await app.gql(ComparedWorkflow, { id }, { key: apiKey });
    const gql = response.data?.workflow;
    if (gql?.__typename !== 'Workflow') throw new Error(JSON.stringify(response));
    expect(json).toEqual({
      id: gql.id,
      title: gql.title,
      description: gql.description,
      visibility_status: gql.visibilityStatus === 'PUBLIC' ? '1' : '0',
      model: gql.model,
      options: { aspect_ratio: gql.options.aspectRatio, pipeline_mode: gql.options.pipelineMode.toLowerCase() },
      primary_user_id: gql.primaryUserId,
      customer_id: gql.customerId,
      processing_status: gql.processingStatus.toLowerCase(),
      progress_percentage: gql.progressPercentage,
      completions: gql.completions.map((c) => ({ flow: c.flow.toLowerCase(), result: expect.any(Array) })),
      result: expect.any(Array),
      media_result: gql.mediaResult.map((m) => ({
        size: m.size,
        updated_at: `${m.updatedAt.slice(0, 10)} ${m.updatedAt.slice(11, 19)}+00:00`,
      })),
      created_at: `${gql.createdAt.slice(0, 10)} ${gql.createdAt.slice(11, 23)}000+00:00`,
      updated_at: `${gql.updatedAt.slice(0, 10)} ${gql.updatedAt.slice(11, 23)}000+00:00`,
    });
    expect(json.result.map(objectOf)).toEqual(gql.result.map(objectOf));
    expect(json.completions.map((c: { result: string[] }) => c.result.map(objectOf))).toEqual(
      gql.completions.map((c) => c.result.map((file) => objectOf(file.url))),
    );
    expect(json.result.length).toBeGreaterThan(0);
  });
});

describe('a client generated from the document (openapi-typescript + openapi-fetch)', () => {
  test('create, get, patch, delete', async () => {
    const { apiKey } = await app.createCustomer(10);
    const client = createClient<paths>({ baseUrl: baseUrl(), headers: { authorization: `Bearer ${apiKey}` } });
    const created = await client.POST('/v1/workflows', {
      params: { header: { 'idempotency-key': 'generated-client-1' } },
      body: {
        title: 'Generated',
        model: 'vim_new_year_2026',
        primary_user_id: 'u-2',
        options: { aspect_ratio: '16:9', pipeline_mode: 'image' },
        image: 'photo.png',
      },
      bodySerializer: (body) => {
        const form = new FormData();
        for (const [name, value] of Object.entries(body)) {
          if (name === 'image') form.set('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), String(value));
          else form.set(name, typeof value === 'string' ? value : JSON.stringify(value));
        }
        return form;
      },
    });
    expect(created.response.status).toBe(201);
    const id = created.data!.data.id;

    const read = await client.GET('/v1/workflows/{id}', { params: { path: { id } } });
    expect(read.data?.data).toMatchObject({ id, title: 'Generated', options: { pipeline_mode: 'image' } });

    const patched = await client.PATCH('/v1/workflows/{id}', {
      params: { path: { id } },
      body: { title: 'Patched', visibility_status: '1' },
    });
    expect(patched.data?.data).toMatchObject({ id, title: 'Patched', visibility_status: '1' });
    const empty = await client.PATCH('/v1/workflows/{id}', { params: { path: { id } }, body: {} });
    expect(empty.response.status).toBe(400);
    expect(empty.error?.error.code).toBe('bad_request');

    const deleted = await client.DELETE('/v1/workflows/{id}', { params: { path: { id } } });
    expect(deleted.data?.data).toMatchObject({ id, title: 'Patched' });
    const gone = await client.GET('/v1/workflows/{id}', { params: { path: { id } } });
    expect(gone.response.status).toBe(404);
    expect(gone.error?.error.code).toBe('not_found');
  });
});
