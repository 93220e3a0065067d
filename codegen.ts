import type { CodegenConfig } from '@graphql-codegen/cli';

const generatedConfig = {
  // ESM imports of the .ts files themselves: Node runs them without a build step.
  importExtension: '.ts',
  useTypeImports: true,
  enumsAsTypes: true,
  scalars: { DateTime: 'string', File: 'File', JSON: 'unknown', ID: 'string' },
};

/**
 * Typed documents, every operation checked against the printed schema: one set for the tests,
 * one for the client in packages/client (@framewright/client: what an app, the CLI and the demo page
 * use; it never imports server code).
 */
const config: CodegenConfig = {
  schema: './schema.graphql',
  ignoreNoDocuments: false,
  generates: {
    './test/gql/': {
      documents: ['test/**/*.ts', '!test/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: generatedConfig,
    },
    // Also writes persisted-documents.json (sha256 hash → document): the operations the service
    // trusts by hash, the client's (the CLI's too) and the demo page's.
    './packages/client/src/gql/': {
      documents: ['packages/client/src/**/*.ts', '!packages/client/src/gql/**', 'src/http/demo/operations.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' } },
      config: generatedConfig,
    },
  },
};

export default config;
