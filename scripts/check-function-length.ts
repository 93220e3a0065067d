// `npm run lint` runs this: no function in src/ (nor packages/) is longer than 60 lines, counting every line from its
// signature to its closing brace, unless a comment right above it starts with "long-function:" and
// says why. Biome's own rule skips lines that only close brackets, so a 105-line body scored 70.
import { readFileSync } from 'node:fs';
import { glob } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

const MAX_LINES = 60;
const REASON = /^\s*(\/\/|\/\*\*?|\*)\s*long-function:\s*\S/m;
const root = path.resolve(import.meta.dirname, '..');

interface LongFunction {
  file: string;
  line: number;
  name: string;
  lines: number;
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(source);
  if (ts.isCallExpression(parent)) return `callback of ${parent.expression.getText(source).slice(0, 40)}`;
  return '(anonymous)';
}

/** The comments right above a function, or above the statement that declares it (`const f = () => {…}`). */
function leadingComments(node: ts.Node, source: ts.SourceFile): string {
  let anchor: ts.Node = node;
  while (
    anchor.parent &&
    (ts.isVariableDeclaration(anchor.parent) ||
      ts.isVariableDeclarationList(anchor.parent) ||
      ts.isVariableStatement(anchor.parent) ||
      ts.isPropertyAssignment(anchor.parent) ||
      ts.isPropertyDeclaration(anchor.parent) ||
      ts.isExportAssignment(anchor.parent))
  ) {
    anchor = anchor.parent;
  }
  const text = source.getFullText();
  return (ts.getLeadingCommentRanges(text, anchor.getFullStart()) ?? []).map((range) => text.slice(range.pos, range.end)).join('\n');
}

function longFunctions(file: string): LongFunction[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > MAX_LINES && !REASON.test(leadingComments(node, source))) {
        found.push({ file: path.relative(root, file), line: start + 1, name: nameOf(node, source), lines });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files: string[] = [];
for await (const file of glob(['src/**/*.ts', 'packages/*/src/**/*.ts'], { cwd: root })) {
  if (!file.includes(`${path.sep}gql${path.sep}`)) files.push(path.join(root, file));
}
const offenders = files.sort().flatMap(longFunctions);
for (const f of offenders) {
  process.stderr.write(
    `${f.file}:${f.line}: ${f.name} is ${f.lines} lines (at most ${MAX_LINES}; split it, or say why above it: // long-function: …)\n`,
  );
}
if (offenders.length > 0) process.exit(1);
process.stdout.write(
  `function length: ${files.length} files under src/ and packages/, every function ${MAX_LINES} lines or less or saying why\n`,
);
