/**
 * `pnpm lint` step: no function in `packages/<name>/src` (tests excluded) is longer than
 * {@link MAX_LINES} lines, so a reader can hold each one in view. Counted from the line of the
 * function's first token to the line of its last, with its nested functions inside it: a factory
 * that defines its whole object inline counts whole. Prints each offender and exits 1.
 *
 * Usage: `tsx scripts/check-function-length.ts [--max N] [root]`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const MAX_LINES = 150;

/** One function over the limit. */
export interface LongFunction {
  readonly file: string;
  readonly name: string;
  readonly line: number;
  readonly lines: number;
}

function functionName(node: ts.Node): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name !== undefined)
    return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node))
    return node.name.getText();
  const parent = node.parent;
  if (parent !== undefined && ts.isVariableDeclaration(parent)) return parent.name.getText();
  if (parent !== undefined && ts.isPropertyAssignment(parent)) return parent.name.getText();
  return '(anonymous)';
}

/** The functions of one source text longer than `max` lines. */
export function longFunctions(file: string, text: string, max = MAX_LINES): LongFunction[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > max) found.push({ file, name: functionName(node), line: start + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (
      /\.tsx?$/.test(entry) &&
      !/\.(test|spec)\.tsx?$/.test(entry) &&
      !entry.endsWith('.d.ts')
    )
      out.push(path);
  }
  return out;
}

/** Every function over `max` lines in the `packages/<name>/src` folders below `root`. */
export function findLongFunctions(root: string, max = MAX_LINES): LongFunction[] {
  const packages = join(root, 'packages');
  const offenders: LongFunction[] = [];
  for (const name of readdirSync(packages)) {
    const src = join(packages, name, 'src');
    try {
      if (!statSync(src).isDirectory()) continue;
    } catch {
      continue;
    }
    for (const file of sourceFiles(src))
      offenders.push(...longFunctions(relative(root, file), readFileSync(file, 'utf8'), max));
  }
  return offenders;
}

function main(args: readonly string[]): number {
  const maxIndex = args.indexOf('--max');
  const max = maxIndex >= 0 ? Number(args[maxIndex + 1]) : MAX_LINES;
  if (!Number.isInteger(max) || max < 1) {
    console.error('--max takes a positive whole number of lines');
    return 2;
  }
  const root = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--max') ?? '.';
  const offenders = findLongFunctions(root, max);
  if (offenders.length === 0) {
    console.log(`Function length: every function in packages/*/src has at most ${max} lines.`);
    return 0;
  }
  console.error(`Functions over ${max} lines (split them by step):`);
  for (const f of offenders) console.error(`  ${f.file}:${f.line} ${f.name} (${f.lines} lines)`);
  return 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
