import type { CodegenConfig } from '@graphql-codegen/cli';

/** Typed documents for the tests: every operation in test/ is checked against the printed schema. */
const config: CodegenConfig = {
  schema: './schema.graphql',
  documents: ['test/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    './test/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // ESM imports with extensions, as NodeNext resolution wants.
        emitLegacyCommonJSImports: false,
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', File: 'File', JSON: 'unknown', ID: 'string' },
      },
    },
  },
};

export default config;
