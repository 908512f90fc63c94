// scripts/check-markdown-tables.ts (part of `pnpm lint`): a table row must have as many cells as
// its header, counted the way GitHub splits it (every unescaped `|`, also inside `code`).
import { describe, expect, it } from 'vitest';
import { checkMarkdownTables, splitTableRow } from '../../scripts/check-markdown-tables.js';

const header = '| package | what it is |\n| --- | --- |\n';

describe('check-markdown-tables', () => {
  it('flags a row whose code span holds an unescaped pipe (the README CLI row of issue 17)', () => {
    const md = `${header}| cli | \`token mint | decode\`, \`policy check | lint\` |\n`;
    const problems = checkMarkdownTables(md);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 3, expected: 2, actual: 4 });
  });

  it('accepts the same row with the pipes escaped', () => {
    const md = `${header}| cli | \`token mint \\| decode\`, \`policy check \\| lint\` |\n`;
    expect(checkMarkdownTables(md)).toEqual([]);
  });

  it('flags a row with fewer cells than the header', () => {
    const md = `| a | b | c |\n|---|---|---|\n| 1 | 2 |\n`;
    expect(checkMarkdownTables(md)).toMatchObject([{ line: 3, expected: 3, actual: 2 }]);
  });

  it('flags a delimiter row that does not match the header', () => {
    const md = `| a | b |\n| --- |\n| 1 | 2 |\n`;
    expect(checkMarkdownTables(md).map((p) => p.line)).toContain(2);
  });

  it('accepts tables without outer pipes and with alignment colons', () => {
    const md = `a | b\n:-- | --:\n1 | 2\n`;
    expect(checkMarkdownTables(md)).toEqual([]);
  });

  it('ignores pipes in fenced code blocks and ends a table at a blank line', () => {
    const md = `${header}| x | y |\n\nnot | a | table row\n\n\`\`\`sh\n| a | b |\n| --- | --- |\n| 1 | 2 | 3 |\n\`\`\`\n`;
    expect(checkMarkdownTables(md)).toEqual([]);
  });

  it('splits rows on unescaped pipes only', () => {
    expect(splitTableRow('| `a \\| b` | c |')).toEqual([' `a \\| b` ', ' c ']);
    expect(splitTableRow('a | b')).toEqual(['a ', ' b']);
  });
});
