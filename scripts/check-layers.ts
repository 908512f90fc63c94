/**
 * `pnpm lint` step: the floor plan of `@mcp-auth/core` (CONTRIBUTING.md, "Layout"). Every
 * non-test file of `packages/core/src` stands on a floor; a file may import only from its own
 * floor or below, `server/` and `resource/` never import each other, and no files import each
 * other in a loop. Fails with one line per offending import (type-only imports count: a type
 * ties two modules as much as a value does) and per loop.
 *
 * Usage: `tsx scripts/check-layers.ts [root]` (default `packages/core/src`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One floor: a number (1 = the ground) and the folders (`x/`) or root files it holds. */
export interface Floor {
  readonly floor: number;
  readonly name: string;
  readonly paths: readonly string[];
}

/**
 * The floors of core, bottom to top: a folder `x/`, a root file, or `*.ts` for any root file not
 * named on a floor below. A path not placed here has no floor and is reported.
 */
export const FLOORS: readonly Floor[] = [
  {
    floor: 1,
    name: 'foundations',
    paths: ['encoding/', 'errors/', 'runtime/', 'net/', 'observability/', 'pkce.ts'],
  },
  { floor: 2, name: 'jwt, policy, store', paths: ['jwt/', 'policy/', 'store/'] },
  { floor: 3, name: 'http, domain', paths: ['http/', 'domain/'] },
  { floor: 4, name: 'tokens', paths: ['tokens/'] },
  { floor: 5, name: 'server, resource', paths: ['server/', 'resource/'] },
  {
    floor: 6,
    name: 'config, testing, node, entries',
    // `*.ts`: every other file at the root of src — the entries (index.ts, index.node.ts,
    // internal.ts and the subpath entries), which only hand names on.
    paths: ['config.ts', 'testing/', 'node/', '*.ts'],
  },
];

/** Rooms on one floor that must not import each other (either way). */
export const APART: readonly (readonly [string, string])[] = [['server/', 'resource/']];

/** One broken rule. */
export interface LayerProblem {
  readonly kind: 'upward' | 'apart' | 'cycle' | 'no-floor';
  /** The importing file (or, for a cycle, the first file of the loop), relative to the root. */
  readonly file: string;
  readonly message: string;
}

/** The room (`x/` folder or root file) of a path relative to the root, as FLOORS names it. */
function roomOf(file: string, floors: readonly Floor[]): string | undefined {
  for (const floor of floors)
    for (const path of floor.paths)
      if (
        path.endsWith('/')
          ? file.startsWith(path)
          : path === '*.ts'
            ? !file.includes('/')
            : file === path
      )
        return path;
  return undefined;
}

function floorOf(room: string, floors: readonly Floor[]): Floor | undefined {
  return floors.find((f) => f.paths.includes(room));
}

/** The relative imports of a source text (`import`, `export … from`, `import()`), as written. */
export function importsOf(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('.'));
}

/** The file of the tree a specifier names from `from` (`./x.js` → `x.ts`, a folder → its index). */
function resolve(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  const stem = base.replace(/\.(js|ts|mjs|mts)$/, '');
  for (const candidate of [`${stem}.ts`, `${stem}.mts`, base, `${base}/index.ts`])
    if (files.has(candidate)) return candidate;
  return undefined;
}

/** Loops of imports (strongly connected components with more than one file, or a self-import). */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node))
      cycles.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

/**
 * Checks a tree given as `path relative to the root → source text` (test files are the caller's
 * to leave out). Returns every broken rule; an empty list means the floor plan holds.
 */
export function checkLayers(
  tree: ReadonlyMap<string, string>,
  floors: readonly Floor[] = FLOORS,
  apart: readonly (readonly [string, string])[] = APART,
): LayerProblem[] {
  const problems: LayerProblem[] = [];
  const files = new Set(tree.keys());
  const graph = new Map<string, string[]>();
  for (const [file, source] of [...tree].sort(([a], [b]) => a.localeCompare(b))) {
    const room = roomOf(file, floors);
    const floor = room === undefined ? undefined : floorOf(room, floors);
    if (room === undefined || floor === undefined) {
      problems.push({
        kind: 'no-floor',
        file,
        message: `${file} stands on no floor: add its folder to FLOORS in scripts/check-layers.ts (and to CONTRIBUTING.md)`,
      });
      continue;
    }
    const targets: string[] = [];
    for (const specifier of importsOf(source)) {
      const target = resolve(file, specifier, files);
      if (target === undefined) continue; // outside the tree (tsc reports a missing file)
      targets.push(target);
      const targetRoom = roomOf(target, floors);
      const targetFloor = targetRoom === undefined ? undefined : floorOf(targetRoom, floors);
      if (targetRoom === undefined || targetFloor === undefined) continue; // reported as no-floor
      if (targetFloor.floor > floor.floor) {
        problems.push({
          kind: 'upward',
          file,
          message: `${file} (floor ${floor.floor}, ${floor.name}) imports ${target} (floor ${targetFloor.floor}, ${targetFloor.name}): an import runs back up`,
        });
      }
      if (
        apart.some(([a, b]) => (room === a && targetRoom === b) || (room === b && targetRoom === a))
      ) {
        problems.push({
          kind: 'apart',
          file,
          message: `${file} imports ${target}: ${room} and ${targetRoom} stand side by side and never import each other (move what both need down a floor)`,
        });
      }
    }
    graph.set(file, targets);
  }
  for (const cycle of findCycles(graph)) {
    problems.push({
      kind: 'cycle',
      file: cycle[0]!,
      message: `these files import each other in a loop: ${cycle.join(', ')}`,
    });
  }
  return problems;
}

/** Reads the non-test `.ts` files under `root` as a tree for {@link checkLayers}. */
export function readTree(root: string): Map<string, string> {
  const tree = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (
        /\.m?ts$/.test(entry.name) &&
        !/\.test\.m?ts$/.test(entry.name) &&
        !entry.name.endsWith('.d.ts')
      )
        tree.set(relative(root, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return tree;
}

function main(args: readonly string[]): number {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = args[0] ?? join(here, '..', 'packages', 'core', 'src');
  const tree = readTree(root);
  const problems = checkLayers(tree);
  for (const p of problems) console.error(`${p.kind}: ${p.message}`);
  if (problems.length > 0) {
    console.error(
      `${problems.length} layering problem(s) in ${relative(process.cwd(), root) || '.'}`,
    );
    return 1;
  }
  console.log(
    `Layers: ${tree.size} files of core checked, no import runs up, sideways or in a loop`,
  );
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
