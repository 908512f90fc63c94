import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { patternArb, toolNameArb } from '../../test/policy/arbitraries.js';
import {
  compileToolPattern,
  isValidToolName,
  PatternSyntaxError,
  parseToolPattern,
} from './pattern.js';

const matches = (pattern: string, name: string) => compileToolPattern(pattern).test(name);

describe('tool patterns', () => {
  it('match like the platform RegExp ^(?:p)$ (no flags) on every valid name', () => {
    fc.assert(
      fc.property(
        patternArb,
        fc.array(toolNameArb.filter(isValidToolName), { maxLength: 10 }),
        (pattern, names) => {
          parseToolPattern(pattern);
          const native = new RegExp(`^(?:${pattern})$`);
          const matcher = compileToolPattern(pattern);
          for (const name of names)
            expect(matcher.test(name), `${pattern} ~ ${name}`).toBe(native.test(name));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('are matched whole (SECURITY-CASES 41)', () => {
    expect(matches('delete_.*', 'undelete_x')).toBe(false);
    expect(matches('delete_.*', 'delete_x')).toBe(true);
    expect(matches('read', 'read_more')).toBe(false);
    expect(matches('a|b', 'ab')).toBe(false);
  });

  it('treat a pattern without metacharacters as an exact name', () => {
    expect(parseToolPattern('send_email').exact).toBe('send_email');
    expect(parseToolPattern('github\\.create').exact).toBe('github.create');
    expect(parseToolPattern('^send_email$').exact).toBe('send_email');
    expect(parseToolPattern('github.create').exact).toBeUndefined();
    expect(parseToolPattern('(get|list)_user')).toMatchObject({
      complete: true,
      prefixes: ['get_user', 'list_user'],
    });
  });

  it('cover long counted repetitions without blowing up (more than 32 positions)', () => {
    const m = compileToolPattern('a{40,50}b?');
    expect(m.test('a'.repeat(45))).toBe(true);
    expect(m.test(`${'a'.repeat(50)}b`)).toBe(true);
    expect(m.test('a'.repeat(51))).toBe(false);
    expect(m.test('a'.repeat(39))).toBe(false);
  });

  it.each([
    ['^(a+)+$', 'nested quantifier'],
    ['(a*)*', 'nested quantifier'],
    ['(ab?)+', 'nested quantifier'],
    ['(a|aa)+', 'alternation'],
    ['(a)\\1', 'backreference'],
    ['(?<n>a)\\k<n>', 'named groups'],
    ['(?=a)a', 'lookahead'],
    ['(?!a).*', 'lookahead'],
    ['(?<=a)b', 'lookbehind'],
    ['(?<!a)b', 'lookbehind'],
    ['a**', 'quantifier cannot follow'],
    ['\\bword', 'word-boundary'],
    ['(?i)abc', 'inline flags'],
    ['a{1,9999}', 'malformed'],
    ['a{200}', 'bounds above'],
    ['admin/.*', 'can never occur'],
    ['(abc', 'unterminated group'],
    ['abc)', 'unbalanced'],
    ['[abc', 'unterminated character class'],
    ['a$b', '"$" is only allowed'],
    ['', 'empty'],
  ])('refuse %j (SECURITY-CASES 43: %s)', (pattern, why) => {
    let error: unknown;
    try {
      parseToolPattern(pattern);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PatternSyntaxError);
    expect((error as Error).message).toContain(why);
  });

  it('refuse patterns over 1024 characters, or expanding to more than 1024 positions', () => {
    expect(() => parseToolPattern('a'.repeat(1025))).toThrow(PatternSyntaxError);
    expect(() => parseToolPattern('(?:abcdefghij){128}')).toThrow(/positions/);
    expect(() => parseToolPattern('(?:abcdefgh){1,128}')).not.toThrow();
    expect(compileToolPattern('(?:abcdefgh){1,128}').test('abcdefgh'.repeat(16))).toBe(true);
  });

  it('match in time linear in the name, whatever the accepted pattern (SECURITY-CASES 43)', () => {
    // Each of these is polynomial or worse for a backtracking engine on a near-miss.
    const name = `${'a'.repeat(127)}!`.replace('!', 'c');
    for (const pattern of [
      'a*a*a*a*a*a*a*a*b',
      '.*a.*a.*a.*a.*a.*a.*b',
      '(?:a|a)a*b',
      '(aa)*b',
      '[a-z]*[a-z]*[a-z]*[a-z]*b',
    ]) {
      const matcher = compileToolPattern(pattern);
      const start = performance.now();
      for (let i = 0; i < 100; i++) expect(matcher.test(name)).toBe(false);
      expect(performance.now() - start).toBeLessThan(1000); // a backtracking engine takes hours
    }
  });
});
