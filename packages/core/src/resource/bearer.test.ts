import { describe, expect, it } from 'vitest';
import { InvalidTokenError } from '../errors/oauth-error.js';
import {
  acceptedCredentials,
  extractBearerToken,
  MAX_AUTHORIZATION_HEADER_LENGTH,
  MissingBearerTokenError,
} from './bearer.js';
import { buildBearerChallenge } from './challenge.js';

function failure(header: unknown): InvalidTokenError {
  try {
    extractBearerToken(header as string | undefined);
  } catch (error) {
    if (error instanceof InvalidTokenError) return error;
    throw error;
  }
  throw new Error('expected InvalidTokenError');
}

describe('extractBearerToken (RFC 6750 §2.1)', () => {
  it('returns the b64token; the scheme is case-insensitive', () => {
    expect(extractBearerToken('Bearer abc.DEF-_~+/123==')).toBe('abc.DEF-_~+/123==');
    expect(extractBearerToken('bearer tok')).toBe('tok');
    expect(extractBearerToken('BEARER   tok')).toBe('tok');
    expect(extractBearerToken('  Bearer tok  ')).toBe('tok');
  });

  it('the fast path for `Bearer <token>` accepts exactly what the RFC 6750 grammar accepts', () => {
    // The grammar as written in the RFC, applied to the trimmed header.
    const grammar = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
    const expected = (header: string): string | Error => {
      const match = grammar.exec(header.trim());
      return match === null ? new Error('refused') : match[1]!;
    };
    const actual = (header: string): string | Error => {
      try {
        return extractBearerToken(header);
      } catch {
        return new Error('refused');
      }
    };
    const alphabet = [
      'a',
      'Z',
      '9',
      '-',
      '.',
      '_',
      '~',
      '+',
      '/',
      '=',
      ' ',
      '\t',
      '\n',
      ',',
      '"',
      'é',
      '\u0000',
    ];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const samples = ['Bearer ', 'Bearer =', 'Bearer a=b', 'Bearer a==', 'Bearer a b', 'Bearer  a'];
    for (let n = 0; n < 3000; n++) {
      let rest = '';
      const length = next() % 12;
      for (let i = 0; i < length; i++) rest += alphabet[next() % alphabet.length];
      samples.push(`Bearer ${rest}`);
    }
    for (const header of samples)
      expect(actual(header), JSON.stringify(header)).toEqual(expected(header));
    expect(actual(`Bearer ${'a'.repeat(MAX_AUTHORIZATION_HEADER_LENGTH)}`)).toBeInstanceOf(Error);
  });

  it('acceptedCredentials gives back the token of a header authentication accepted, in every spelling', () => {
    for (const header of ['Bearer tok==', 'bearer tok==', 'BEARER   tok==', '  Bearer tok==  '])
      expect(acceptedCredentials(header)).toBe(extractBearerToken(header));
    expect(acceptedCredentials('DPoP tok==')).toBe('tok==');
    expect(acceptedCredentials('dpop  tok==')).toBe('tok==');
  });

  it('SECURITY-CASES 38: no header, another scheme → 401 without credentials', () => {
    for (const header of [
      undefined,
      '',
      '   ',
      'Basic x',
      'Basic dXNlcjpwYXNz',
      'DPoP tok',
      'Bearerx tok',
    ]) {
      const err = failure(header);
      expect(err).toBeInstanceOf(MissingBearerTokenError);
      expect([err.code, err.status]).toEqual(['invalid_token', 401]);
    }
  });

  it('SECURITY-CASES 38: Bearer with no token, or a malformed token → 401 invalid_token', () => {
    for (const header of [
      'Bearer',
      'Bearer ',
      'Bearer  ',
      'Bearer a b',
      'Bearer a,b',
      'Bearer =abc',
      'Bearer tök',
      'Bearer "tok"',
      'Bearer\ttok',
      'Bearer a=b',
      'Bearer tok, Bearer tok2',
    ]) {
      const err = failure(header);
      expect(err).not.toBeInstanceOf(MissingBearerTokenError);
      expect([err.code, err.status]).toEqual(['invalid_token', 401]);
    }
    expect(failure(42)).toBeInstanceOf(InvalidTokenError);
  });

  it('SECURITY-CASES 33: a header over 8 KiB is refused before anything else', () => {
    const header = `Bearer ${'a'.repeat(MAX_AUTHORIZATION_HEADER_LENGTH)}`;
    const err = failure(header);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/too large/);
    const huge = `Basic ${'a'.repeat(100_000)}`; // even another scheme: size first
    expect(failure(huge)).not.toBeInstanceOf(MissingBearerTokenError);
    expect(
      extractBearerToken(`Bearer ${'a'.repeat(MAX_AUTHORIZATION_HEADER_LENGTH - 7)}`),
    ).toHaveLength(8185);
  });

  it('never puts the header or token in the error', () => {
    const secret = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig nature';
    const err = failure(`Bearer ${secret}`);
    expect(err.message).not.toContain('eyJ');
    expect(JSON.stringify(err.toResponseObject())).not.toContain('eyJ');
  });
});

describe('buildBearerChallenge (RFC 6750 §3, RFC 9728 §5.1)', () => {
  it('builds the MCP challenges', () => {
    expect(
      buildBearerChallenge({
        resourceMetadataUrl: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
      }),
    ).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
    );
    expect(
      buildBearerChallenge({
        resourceMetadataUrl: 'https://mcp.example.com/.well-known/oauth-protected-resource',
        error: 'insufficient_scope',
        errorDescription: 'Needs write',
        scope: ['mcp:tools:read', 'mcp:tools:write', 'mcp:tools:read'],
      }),
    ).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", error="insufficient_scope", error_description="Needs write", scope="mcp:tools:read mcp:tools:write"',
    );
    expect(buildBearerChallenge()).toBe('Bearer');
    expect(buildBearerChallenge({ realm: 'mcp', error: 'invalid_token' })).toBe(
      'Bearer realm="mcp", error="invalid_token"',
    );
  });

  it('cannot be broken out of: quotes, backslashes, CR/LF and bad scope tokens are dropped', () => {
    const value = buildBearerChallenge({
      resourceMetadataUrl: 'https://mcp.example.com/a"b\\c',
      error: 'invalid_token',
      errorDescription: 'x", evil="1\r\nSet-Cookie: a=b\\',
      scope: ['ok', 'bad"scope', 'bad\\scope', 'sp ace', 'ünï'],
      realm: 'r"\n',
    });
    expect(value).not.toMatch(/[\r\n]/);
    const inner = value.slice('Bearer '.length);
    // Every value is a quoted-string without inner quotes or backslashes.
    expect(inner).toMatch(/^(?:[a-z_]+="[^"\\]*")(?:, [a-z_]+="[^"\\]*")*$/);
    expect(value).toContain('scope="ok"');
    expect(value).toContain('resource_metadata="https://mcp.example.com/a%22b/c"');
  });

  it('issue 11 (SEP-2207): offline_access never appears in a challenge scope', () => {
    const challenge = buildBearerChallenge({
      error: 'insufficient_scope',
      scope: ['mcp:tools:read', 'offline_access', 'mcp:tools:write'],
    });
    expect(challenge).toContain('scope="mcp:tools:read mcp:tools:write"');
    expect(challenge).not.toContain('offline_access');
  });

  it('refuses configuration mistakes', () => {
    expect(() => buildBearerChallenge({ resourceMetadataUrl: '/relative' })).toThrow(TypeError);
    expect(() => buildBearerChallenge({ resourceMetadataUrl: 'javascript:alert(1)' })).toThrow(
      TypeError,
    );
    expect(() => buildBearerChallenge({ error: 'bogus' as never })).toThrow(TypeError);
  });
});
