// scripts/check-function-length.ts (part of `pnpm lint`): no function in packages/*/src is
// longer than 150 lines, counted from its first token's line to its last, nested functions in.
import { describe, expect, it } from 'vitest';
import {
  findLongFunctions,
  longFunctions,
  MAX_LINES,
} from '../../scripts/check-function-length.js';

/** A function declaration of exactly `lines` lines (header and closing brace included). */
function declaration(name: string, lines: number): string {
  const body = Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`);
  return [`export function ${name}(): void {`, ...body, '}'].join('\n');
}

describe('check-function-length', () => {
  it('the limit is 150 lines', () => {
    expect(MAX_LINES).toBe(150);
  });

  it('flags a 151-line function with its name, first line and length', () => {
    const text = `// a comment\n\n${declaration('tooLong', 151)}\n`;
    expect(longFunctions('a.ts', text)).toEqual([
      { file: 'a.ts', name: 'tooLong', line: 3, lines: 151 },
    ]);
  });

  it('accepts a 150-line function', () => {
    expect(longFunctions('a.ts', declaration('justRight', 150))).toEqual([]);
  });

  it('flags a long arrow nested in a factory, and the factory that holds it', () => {
    const body = Array.from({ length: 158 }, (_, i) => `      const v${i} = ${i};`);
    const text = [
      'export const make = () => ({',
      '  handler: async () => {',
      ...body,
      '  },',
      '  short: () => 1,',
      '});',
    ].join('\n');
    const found = longFunctions('f.ts', text);
    expect(found.map((f) => [f.name, f.lines])).toEqual([
      ['make', 163],
      ['handler', 160],
    ]);
  });

  it('names methods, constructors and anonymous functions', () => {
    const inner = Array.from({ length: 151 }, (_, i) => `    x += ${i};`).join('\n');
    const text = [
      'class A {',
      `  constructor() {\n    let x = 0;\n${inner}\n  }`,
      `  run() {\n    let x = 0;\n${inner}\n  }`,
      '}',
      `[1].map(function () {\n  let x = 0;\n${inner.replaceAll('    ', '  ')}\n});`,
    ].join('\n');
    expect(longFunctions('m.ts', text).map((f) => f.name)).toEqual([
      'constructor',
      'run',
      '(anonymous)',
    ]);
  });

  it('honours a smaller limit', () => {
    expect(longFunctions('a.ts', declaration('f', 12), 10)).toHaveLength(1);
    expect(longFunctions('a.ts', declaration('f', 10), 10)).toEqual([]);
  });

  it('every function in packages/*/src has at most 150 lines', () => {
    const offenders = findLongFunctions(new URL('../..', import.meta.url).pathname);
    expect(offenders.map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`)).toEqual([]);
  });
});
