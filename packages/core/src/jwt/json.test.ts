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

  it('refuses duplicates however numbers and whitespace are written (RFC 7515 §5.2)', () => {
    // The length fast path must not be fooled by number forms shorter than String(n).
    for (const text of [
      '{"a":1e3,"b":1,"b":1}',
      '{"a":1000,"b":1,"b":1}',
      '{"a":1e21,"a":1e21}',
      '{"x":1e9,"y":1e9,"z":1e9,"a":0,"a":0}',
      '{"n":123000,"m":[1e5,1e5,1e5,1e5,1e5],"a":1,"a":1}',
      '{ "a" :1 , "a":1 }',
      '{"a":[{"b":1,"b":2}],"c":100}',
      '{"exp":1795738894,"iat":1795735294,"sub":"u","sub":"v"}',
      // Shorter number forms that exactly pay for the dropped `"a":0,` (6 characters):
      '{"x":1e8,"a":0,"a":0}',
      '{"m":1e6,"n":1e4,"a":0,"a":0}',
      `{${'bcdefg'
        .split('')
        .map((k) => `"${k}":1152921504606847e3`)
        .join(',')},"a":0,"a":0}`,
      '{"x":15e299,"y":15e299,"z":15e299,"a":0,"a":0}',
    ]) {
      expect(parseJsonObjectStrict(text), text).toBeUndefined();
    }
    for (const text of [
      '{"a":1e3}',
      '{"a":1.0,"b":-0,"c":100,"d":-7,"e":0}',
      '{"a":9007199254740993,"b":1152921504606847e3}',
      '{ "a" : 1 ,\n"b":[ true,false,null ] }',
      '{"exp":1795738894,"iat":1795735294,"sub":"u","aud":["x","y"],"o":{}}',
    ]) {
      expect(parseJsonObjectStrict(text), text).toEqual(JSON.parse(text));
    }
  });

  it('any number form or whitespace: strict parse refuses exactly the duplicates (fast-check)', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'é', '__proto__');
    const number = fc.oneof(
      fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n * 1000),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0, -0, 100, 1e21, 2 ** 60, Number.MAX_SAFE_INTEGER + 2),
    );
    // Equivalent JSON texts of one number: canonical, exponent, fraction, padded exponent.
    const numberText = fc
      .tuple(number, fc.nat(3))
      .map(([n, form]) =>
        form === 0 || !Number.isFinite(n)
          ? JSON.stringify(n)
          : form === 1
            ? n.toExponential().replace('+', '')
            : form === 2 && Number.isSafeInteger(n)
              ? `${JSON.stringify(n)}.0`
              : n.toExponential(),
      );
    const value = fc.oneof(
      numberText,
      fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)),
    );
    const space = fc.constantFrom('', '', '', ' ', '\n');
    const entries = fc.array(fc.tuple(key, value, space), { maxLength: 6 });
    fc.assert(
      fc.property(entries, fc.boolean(), (members, nest) => {
        const body = `{${members.map(([k, v, w]) => `${JSON.stringify(k)}${w}:${v}`).join(',')}}`;
        const text = nest ? `{"outer":[1e3,${body},"s"],"z":100}` : body;
        const duplicated = new Set(members.map(([k]) => k)).size !== members.length;
        expect(parseJsonObjectStrict(text) === undefined, text).toBe(duplicated);
      }),
      { numRuns: 3000 },
    );
  });
});
