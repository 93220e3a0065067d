import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('the settings of the limits', () => {
  test('have sensible defaults', () => {
    const config = loadConfig({});
    expect(config.limits).toMatchObject({
      maxQueryDepth: 10,
      maxAliases: 15,
      maxRootFields: 10,
      maxTokens: 1000,
      maxQueryCost: 5000,
      maxWebSocketMessageBytes: 1024 * 1024,
      maxConnections: 4096,
      maxConnectionsPerAddress: 256,
      maxConcurrentUploads: 8,
      maxApiKeysPerCustomer: 20,
    });
    expect(config.http).toEqual({ metricsToken: undefined, corsOrigins: ['*'], trustedDocuments: 'allow', trustedDocumentFiles: [] });
  });

  test('are read from the environment', () => {
    const config = loadConfig({
      MAX_QUERY_DEPTH: '7',
      MAX_ALIASES: '3',
      MAX_ROOT_FIELDS: '4',
      MAX_TOKENS: '500',
      MAX_QUERY_COST: '900',
      MAX_WEBSOCKET_MESSAGE_BYTES: '65536',
      MAX_CONNECTIONS: '100',
      MAX_CONNECTIONS_PER_ADDRESS: '10',
      MAX_CONCURRENT_UPLOADS: '2',
      MAX_API_KEYS_PER_CUSTOMER: '5',
      METRICS_TOKEN: 'a-metrics-token-of-32-characters',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:3000',
      TRUSTED_DOCUMENTS: 'require',
      TRUSTED_DOCUMENTS_FILES: '/srv/app/documents.json, relative/mobile.json',
    });
    expect(config.limits).toMatchObject({ maxQueryDepth: 7, maxAliases: 3, maxRootFields: 4, maxTokens: 500, maxQueryCost: 900 });
    expect(config.limits).toMatchObject({
      maxWebSocketMessageBytes: 65536,
      maxConnections: 100,
      maxConnectionsPerAddress: 10,
      maxConcurrentUploads: 2,
      maxApiKeysPerCustomer: 5,
    });
    expect(config.http).toEqual({
      metricsToken: 'a-metrics-token-of-32-characters',
      corsOrigins: ['https://app.example.com', 'http://localhost:3000'],
      trustedDocuments: 'require',
      // Relative to the directory the service starts in.
      trustedDocumentFiles: ['/srv/app/documents.json', path.resolve('relative/mobile.json')],
    });
  });

  test("createWorkflow's source inspections: a rate per key and a cap per process, with defaults", () => {
    expect(loadConfig({}).limits).toMatchObject({
      sourceInspectionsPerSecond: 50,
      maxConcurrentInspections: 2,
      maxQueuedInspections: 64,
      maxUploadFailedAttempts: 5,
    });
    const config = loadConfig({ SOURCE_INSPECTIONS_PER_SECOND: '5', MAX_CONCURRENT_INSPECTIONS: '1' });
    expect(config.limits).toMatchObject({ sourceInspectionsPerSecond: 5, maxConcurrentInspections: 1 });
    expect(() => loadConfig({ MAX_CONCURRENT_INSPECTIONS: '0' })).toThrow(/^MAX_CONCURRENT_INSPECTIONS must be at least 1/);
  });

  test.each([
    ['MAX_QUERY_DEPTH', 'deep'],
    ['MAX_TOKENS', '5'],
    ['MAX_API_KEYS_PER_CUSTOMER', '0'],
    ['CORS_ORIGINS', 'app.example.com/path'],
    ['TRUSTED_DOCUMENTS', 'strict'],
    ['METRICS_TOKEN', 'short'],
  ])('a bad %s is one clear error naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name} `));
  });

  test('METRICS_TOKEN is never echoed in the error', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/a value not shown/);
  });
});

describe('the webhook settings', () => {
  const key = Buffer.from('0123456789abcdef0123456789abcdef');

  test('have defaults, and are read from the environment', () => {
    expect(loadConfig({}).webhooks).toMatchObject({ endpointCreationsPerMinute: 20, redeliveriesPerMinute: 60, eventRetentionDays: 30 });
    expect(loadConfig({}).webhookSecretKey).toBeUndefined();
    const config = loadConfig({
      WEBHOOK_CREATIONS_PER_MINUTE: '5',
      WEBHOOK_REDELIVERIES_PER_MINUTE: '7',
      WEBHOOK_EVENT_RETENTION_DAYS: '90',
      WEBHOOK_SECRET_KEY: key.toString('base64'),
    });
    expect(config.webhooks).toMatchObject({ endpointCreationsPerMinute: 5, redeliveriesPerMinute: 7, eventRetentionDays: 90 });
    expect(config.webhookSecretKey).toEqual(key);
  });

  test('WEBHOOK_SECRET_KEY must be 32 bytes in base64, and is never echoed', () => {
    for (const value of ['short', key.toString('hex'), Buffer.alloc(31).toString('base64'), 'not base64 at all!']) {
      expect(() => loadConfig({ WEBHOOK_SECRET_KEY: value })).toThrow(
        /^WEBHOOK_SECRET_KEY must be 32 bytes in base64 .*\(got a value not shown\)$/,
      );
    }
  });

  test('WEBHOOK_SECRET_KEY is required with DATABASE_URL (only the embedded PostgreSQL makes its own)', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db.example/app' })).toThrow(/^WEBHOOK_SECRET_KEY is required with DATABASE_URL/);
    expect(loadConfig({ DATABASE_URL: 'postgres://db.example/app', WEBHOOK_SECRET_KEY: key.toString('base64') }).webhookSecretKey).toEqual(
      key,
    );
  });

  test.each([
    ['WEBHOOK_CREATIONS_PER_MINUTE', '0'],
    ['WEBHOOK_REDELIVERIES_PER_MINUTE', 'many'],
    ['WEBHOOK_EVENT_RETENTION_DAYS', '0'],
  ])('a bad %s is one clear error naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name} `));
  });
});
