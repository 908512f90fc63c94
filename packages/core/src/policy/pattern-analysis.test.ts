import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { patternArb, toolNameArb } from '../../test/policy/arbitraries.js';
import {
  compilePatternAutomaton,
  compileToolPattern,
  examplePatternMatch,
  findPatternDifference,
  isPatternCoveredBy,
  isValidToolName,
  MAX_PATTERN_POSITIONS,
  PatternSyntaxError,
  parseToolPattern,
  patternAutomatonMatches,
  patternMatchesEveryName,
} from './pattern.js';

// The static analysis `mcp-auth policy lint` runs (moved here from the CLI, which had its own
// parser and automaton with other limits). Patterns over a small alphabet, some of which the
// engine refuses (nested quantifiers): for those the analysis must refuse too.
const atom = fc.constantFrom(
  'a',
  'b',
  '_',
  '\\.',
  '-',
  '1',
  '.',
  '\\d',
  '\\w',
  '[a-b]',
  '[^a]',
  '[_.-]',
);
const quant = fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}', '{0,}');
const seqOf = (inner: fc.Arbitrary<string>) =>
  fc
    .array(fc.tuple(inner, quant), { minLength: 1, maxLength: 4 })
    .map((items) => items.map(([x, q]) => x + q).join(''));
const group = fc
  .array(seqOf(atom), { minLength: 1, maxLength: 2 })
  .map((alts) => `(?:${alts.join('|')})`);
const pattern = seqOf(fc.oneof({ weight: 4, arbitrary: atom }, { weight: 1, arbitrary: group }));
const name = fc.string({
  unit: fc.constantFrom('a', 'b', '_', '.', '-', '1', 'Z'),
  minLength: 1,
  maxLength: 8,
});
const re = (p: string) => new RegExp(`^(?:${p})$`);

/** True when the engine accepts `p`; otherwise checks the analysis refuses it the same way. */
function engineAccepts(p: string): boolean {
  let engineError: unknown;
  try {
    parseToolPattern(p);
  } catch (err) {
    engineError = err;
  }
  if (engineError === undefined) return true;
  expect(engineError).toBeInstanceOf(PatternSyntaxError);
  expect(() => compilePatternAutomaton([p])).toThrow((engineError as Error).message);
  return false;
}

describe('pattern automaton (the lint analysis) agrees with RegExp and the engine', () => {
  it('matches exactly the names RegExp matches, whole-name (SECURITY-CASES 41)', () => {
    fc.assert(
      fc.property(pattern, fc.array(name, { minLength: 1, maxLength: 20 }), (p, names) => {
        if (!engineAccepts(p)) return;
        const a = compilePatternAutomaton([p]);
        for (const n of names)
          expect(patternAutomatonMatches(a, n), `${p} on ${n}`).toBe(re(p).test(n));
      }),
      { numRuns: 300 },
    );
    expect(patternAutomatonMatches(compilePatternAutomaton(['delete_.*']), 'undelete_x')).toBe(
      false,
    );
  });

  it('a reported difference is real, and "no difference" holds on samples', () => {
    fc.assert(
      fc.property(pattern, pattern, (p, q) => {
        if (!engineAccepts(p) || !engineAccepts(q)) return true;
        const d = findPatternDifference(compilePatternAutomaton([p]), compilePatternAutomaton([q]));
        if (typeof d === 'string') {
          expect(re(p).test(d)).toBe(true);
          expect(re(q).test(d)).toBe(false);
        }
        return true;
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        pattern,
        pattern,
        fc.array(name, { minLength: 1, maxLength: 30 }),
        (p, q, names) => {
          if (!engineAccepts(p) || !engineAccepts(q)) return true;
          const d = findPatternDifference(
            compilePatternAutomaton([p]),
            compilePatternAutomaton([q]),
          );
          if (d !== null) return true;
          for (const n of names)
            if (re(p).test(n)) expect(re(q).test(n), `${p} ⊆ ${q} on ${n}`).toBe(true);
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('examples and universality', () => {
    expect(examplePatternMatch(compilePatternAutomaton(['a{128}b']))).toBeNull();
    expect(examplePatternMatch(compilePatternAutomaton(['read_*']))).toBe('read');
    expect(patternMatchesEveryName(compilePatternAutomaton(['.*']))).toBe(true);
    expect(patternMatchesEveryName(compilePatternAutomaton(['.+']))).toBe(true);
    expect(patternMatchesEveryName(compilePatternAutomaton(['[A-Za-z0-9_.-]*']))).toBe(true);
    expect(patternMatchesEveryName(compilePatternAutomaton(['[A-Za-z0-9_]*']))).toBe(false);
    expect(patternMatchesEveryName(compilePatternAutomaton(['.{1,127}']))).toBe(false);
  });

  it('agrees with the engine matcher on every pattern the engine accepts', () => {
    fc.assert(
      fc.property(
        patternArb,
        fc.array(toolNameArb.filter(isValidToolName), { maxLength: 10 }),
        (p, names) => {
          const matcher = compileToolPattern(p);
          const a = compilePatternAutomaton([p]);
          for (const n of names)
            expect(patternAutomatonMatches(a, n), `${p} ~ ${n}`).toBe(matcher.test(n));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses what the engine refuses, with its message (no second set of limits)', () => {
    const refused = [
      '(a+)+',
      '(?:a|b)*',
      'a{129}',
      'x'.repeat(1025),
      `(?:[ab]{128}){8}c`,
      '(?=a)',
      '\\1',
      '',
      'a$b',
    ];
    for (const p of refused) {
      expect(() => parseToolPattern(p), p).toThrow(PatternSyntaxError);
      expect(engineAccepts(p), p).toBe(false);
    }
    // A pattern at the limit of positions is analysed, one past it is refused by both.
    const atLimit = `[ab]{128}`.repeat(MAX_PATTERN_POSITIONS / 128);
    expect(examplePatternMatch(compilePatternAutomaton([atLimit]))).toBeNull();
    expect(engineAccepts(`${atLimit}c`)).toBe(false);
  });

  it('analyses a union larger than one pattern may be (each pattern within its own limit)', () => {
    const big = '[ab]{128}'.repeat(4); // 512 positions, matches no name (512 characters)
    const union = compilePatternAutomaton([big, big, big, 'tool_x']);
    expect(union.sets.length).toBeGreaterThan(MAX_PATTERN_POSITIONS);
    expect(examplePatternMatch(union)).toBe('tool_x');
    expect(isPatternCoveredBy(compilePatternAutomaton(['tool_x']), union)).toBe(true);
    expect(isPatternCoveredBy(union, compilePatternAutomaton(['tool_.*']))).toBe(true);
  });

  it('an empty union matches nothing', () => {
    expect(examplePatternMatch(compilePatternAutomaton([]))).toBeNull();
  });
});
