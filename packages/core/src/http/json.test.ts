import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_JSON_DEPTH, parseJson, withinJsonDepth } from './json.js';

describe('parseJson: UTF-8, depth before parse, JSON', () => {
  it('parses text and bytes', () => {
    expect(parseJson('{"a":[1]}', 64)).toEqual({ ok: true, value: { a: [1] } });
    expect(parseJson(new TextEncoder().encode('"é"'), 64)).toEqual({ ok: true, value: 'é' });
  });

  it('refuses invalid UTF-8 and invalid JSON as invalid, deep nesting as too_deep', () => {
    expect(parseJson(new Uint8Array([0x22, 0xff, 0x22]), 64)).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect(parseJson('{', 64)).toEqual({ ok: false, reason: 'invalid' });
    const deep = '['.repeat(DEFAULT_MAX_JSON_DEPTH + 1) + ']'.repeat(DEFAULT_MAX_JSON_DEPTH + 1);
    expect(parseJson(deep, DEFAULT_MAX_JSON_DEPTH)).toEqual({ ok: false, reason: 'too_deep' });
  });

  it('brackets inside strings do not count toward the depth', () => {
    expect(withinJsonDepth(`["${'['.repeat(100)}\\""]`, 1)).toBe(true);
    expect(withinJsonDepth('[[1]]', 1)).toBe(false);
  });
});
