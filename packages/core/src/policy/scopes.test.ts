import { describe, expect, it } from 'vitest';
import {
  checkScopes,
  isValidScopeParameter,
  isValidScopeToken,
  MAX_SCOPE_TOKEN_LENGTH,
} from './scopes.js';
import { policyJsonSchema } from './schema.js';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ); mcp-auth caps it at 256.
describe('the scope-token grammar (one rule, one cap)', () => {
  it('accepts NQCHAR tokens up to 256 characters and nothing longer', () => {
    expect(MAX_SCOPE_TOKEN_LENGTH).toBe(256);
    expect(isValidScopeToken('mcp:tools:read')).toBe(true);
    expect(isValidScopeToken('a'.repeat(256))).toBe(true);
    expect(isValidScopeToken('a'.repeat(257))).toBe(false);
    expect(isValidScopeToken('')).toBe(false);
    for (const bad of ['a b', 'a"b', 'a\\b', 'é', 'a\tb', '\x7f']) {
      expect(isValidScopeToken(bad)).toBe(false);
    }
    expect(isValidScopeToken(42)).toBe(false);
  });

  it('the published policy schema states the same cap', () => {
    expect(policyJsonSchema.$defs.scope.pattern).toBe(
      `^[\\x21\\x23-\\x5b\\x5d-\\x7e]{1,${MAX_SCOPE_TOKEN_LENGTH}}$`,
    );
  });

  it('a scope parameter is tokens separated by single spaces', () => {
    expect(isValidScopeParameter('read write')).toBe(true);
    expect(isValidScopeParameter(`read ${'a'.repeat(256)}`)).toBe(true);
    expect(isValidScopeParameter(`read ${'a'.repeat(257)}`)).toBe(false);
    for (const bad of ['', ' read', 'read ', 'read  write', 'read\twrite']) {
      expect(isValidScopeParameter(bad)).toBe(false);
    }
  });

  it('checkScopes: the list without repeats, or a TypeError naming the option', () => {
    expect(checkScopes(['b', 'a', 'b'], 'x')).toEqual(['b', 'a']);
    expect(() => checkScopes('read', 'createX: scopes')).toThrow(/^createX: scopes /);
    expect(() => checkScopes(['ok', 'a b'], 'createX: scopes')).toThrow(TypeError);
    expect(() => checkScopes(['a'.repeat(257)], 'createX: scopes')).toThrow(TypeError);
  });
});
