#!/usr/bin/env -S node --import tsx
// Checks that every Markdown table in the repository renders as written (GitHub Flavored
// Markdown): each row has exactly as many cells as the header. GFM splits a row on every `|`
// that is not escaped, even inside `code`, so `token mint | decode` in a cell adds a cell
// (GitHub drops the extra cells, or shifts the row) — write `token mint \| decode`.
// Part of `pnpm lint`. Usage: tsx scripts/check-markdown-tables.ts [file.md …]
// (no arguments: every tracked *.md file).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One table row whose cell count differs from its header's. */
export interface TableProblem {
  /** 1-based line of the offending row. */
  readonly line: number;
  /** The header's cell count. */
  readonly expected: number;
  /** The row's cell count. */
  readonly actual: number;
  readonly message: string;
}

const DELIMITER_CELL = /^\s*:?-+:?\s*$/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/**
 * The cells of one table row as GFM splits it: on every `|` not preceded by a backslash,
 * with one leading and one trailing pipe ignored.
 */
export function splitTableRow(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && i + 1 < line.length) {
      cell += ch + line[i + 1];
      i++;
    } else if (ch === '|') {
      cells.push(cell);
      cell = '';
    } else {
      cell += ch;
    }
  }
  cells.push(cell);
  if (cells.length > 1 && (cells[0] ?? '').trim() === '') cells.shift();
  if (cells.length > 1 && (cells[cells.length - 1] ?? '').trim() === '') cells.pop();
  return cells;
}

function isDelimiterRow(line: string): boolean {
  if (!line.includes('-')) return false;
  const cells = splitTableRow(line.trim());
  return cells.length > 0 && cells.every((c) => DELIMITER_CELL.test(c));
}

/** Every table row in `markdown` (outside fenced code) whose cell count is not the header's. */
export function checkMarkdownTables(markdown: string): TableProblem[] {
  const lines = markdown.split(/\r?\n/);
  const problems: TableProblem[] = [];
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      const marker = fenceMatch[1] ?? '';
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const next = lines[i + 1];
    if (!line.includes('|') || next === undefined || !isDelimiterRow(next)) continue;
    const expected = splitTableRow(line.trim()).length;
    const delimiterCells = splitTableRow(next.trim()).length;
    if (delimiterCells !== expected) {
      problems.push({
        line: i + 2,
        expected,
        actual: delimiterCells,
        message: `delimiter row has ${delimiterCells} cells, the header ${expected}: GitHub does not render this as a table`,
      });
    }
    let j = i + 2;
    for (; j < lines.length; j++) {
      const row = lines[j] ?? '';
      if (row.trim() === '' || !row.includes('|')) break;
      const actual = splitTableRow(row.trim()).length;
      if (actual !== expected) {
        problems.push({
          line: j + 1,
          expected,
          actual,
          message: `row has ${actual} cells, the header ${expected} (escape a literal pipe as \\|, also inside \`code\`)`,
        });
      }
    }
    i = j - 1;
  }
  return problems;
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.turbo', 'coverage', 'test-artifacts']);

/** Every *.md below `dir` (used when git is not there, e.g. in an unpacked tarball). */
function walkMarkdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.isDirectory()) return SKIP_DIRS.has(d.name) ? [] : walkMarkdownFiles(join(dir, d.name));
    return d.name.endsWith('.md') ? [join(dir, d.name)] : [];
  });
}

function trackedMarkdownFiles(): string[] {
  try {
    const out = execFileSync(
      'git',
      ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '*.md'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return out.split('\0').filter((f) => f !== '' && !f.includes('node_modules/'));
  } catch {
    return walkMarkdownFiles('.');
  }
}

function main(args: readonly string[]): number {
  const files = args.length > 0 ? args : trackedMarkdownFiles();
  let count = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // listed by git but deleted in the working tree
    }
    for (const p of checkMarkdownTables(text)) {
      count++;
      console.error(`${file}:${p.line}: ${p.message}`);
    }
  }
  if (count > 0) {
    console.error(`${count} Markdown table row(s) would not render as written`);
    return 1;
  }
  console.log(`Markdown tables: ${files.length} files checked, every row matches its header`);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
