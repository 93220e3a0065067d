#!/usr/bin/env node
// Node 24 runs the TypeScript sources itself (type stripping): no build step after `npm ci`.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `framewright: Node.js 24 or newer is needed, this is ${process.version}: run it as \`npm start\` or \`npx framewright\` (they use the Node.js 24 that \`npm ci\` put in node_modules/.bin), or install Node.js 24\n`,
  );
  process.exit(2);
}
await import('../src/main.ts');
