import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasDuplicateKeys, parseJsonObjectStrict } from './json.js';

describe('strict JSON (RFC 7515 §5.2: member names unique)', () => {
  it('finds duplicates at any depth, after unescaping', () => {
    expect(hasDuplicateKeys('{"a":1,"a":2}')).toBe(true);
    expect(hasDuplicateKeys('{"a":1,"\\u0061":2}')).toBe(true);
    expect(hasDuplicateKeys('{"x":{"b":1,"b":2}}')).toBe(true);
    expect(hasDuplicateKeys('{"x":[{"b":1},{"b":2}]}')).toBe(false);
    expect(hasDuplicateKeys('{"a":"a","b":{"a":1},"c":["a","a"]}')).toBe(false);
    expect(hasDuplicateKeys('{"a\\"":1,"a":2}')).toBe(false);
    expect(hasDuplicateKeys('{"a":"x,\\"a\\":1"}')).toBe(false);
    // Escaped backslashes before a closing quote.
    expect(hasDuplicateKeys('{"a\\\\":1,"a\\\\":2}')).toBe(true);
    expect(hasDuplicateKeys('{"x":"\\\\","a":1,"a":2}')).toBe(true);
    expect(hasDuplicateKeys('{"x":"\\\\\\"","a":1,"b":2}')).toBe(false);
  });

  it('accepts only objects (SECURITY-CASES 32)', () => {
    for (const text of ['0', '[]', 'null', '{', '"s"', 'true', '', '{"a":1}x']) {
      expect(parseJsonObjectStrict(text)).toBeUndefined();
    }
    expect(parseJsonObjectStrict('{"a":[1,{"b":null}]}')).toEqual({ a: [1, { b: null }] });
  });

  it('handles deep nesting without recursion', () => {
    const deep = `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(hasDuplicateKeys(deep)).toBe(false);
  });

  it('the counting fast path and the scanner agree with a reference (fast-check)', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'é', 'a"', 'x\\y', '__proto__');
    const entries = fc.array(fc.tuple(key, fc.jsonValue({ maxDepth: 2 })), { maxLength: 6 });
    fc.assert(
      fc.property(entries, fc.boolean(), (members, nest) => {
        const body = `{${members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
        const text = nest ? `{"outer":[1,${body},"s"],"z":"q"}` : body;
        const duplicated = new Set(members.map(([k]) => k)).size !== members.length;
        expect(parseJsonObjectStrict(text) === undefined).toBe(duplicated);
        expect(hasDuplicateKeys(text)).toBe(duplicated);
      }),
      { numRuns: 2000 },
    );
  });
});
