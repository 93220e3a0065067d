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
 * one for the client in src/client (what an app or the CLI uses; it never imports server code).
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
    './src/client/gql/': {
      documents: ['src/client/**/*.ts', '!src/client/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: generatedConfig,
    },
  },
};

export default config;
