// `npm pack` runs this (prepack): the package ships JavaScript and type declarations built from
// src/ by tsc, and the trusted-documents manifest of its operations. The repository itself runs
// src/ as it is and never needs dist/.
import { execFileSync } from 'node:child_process';
import { copyFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';

const root = new URL('../', import.meta.url);
await rm(new URL('dist/', root), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
await copyFile(new URL('src/gql/persisted-documents.json', root), new URL('dist/persisted-documents.json', root));
