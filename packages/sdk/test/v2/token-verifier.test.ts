import { errors, type TokenVerifier } from '@mcp-auth/core';
import { OAuthError, OAuthErrorCode, verifyBearerToken } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, getAuthContext } from '../../src/v2/index.js';
import { createTestAuth } from '../fixtures.js';

describe('@mcp-auth/sdk/v2 createTokenVerifier maps core results to SDK 2.x (RFC 6750 §3.1)', () => {
  it('a valid token → AuthInfo with expiresAt and the AuthContext in extra.auth; the SDK gate accepts it', async () => {
    const resource = new URL('http://127.0.0.1:1/mcp');
    const auth = await createTestAuth(resource);
    const verifier = createTokenVerifier(auth.verifier);
    const token = await auth.tokenFor('bob');
    const info = await verifyBearerToken(`Bearer ${token}`, {
      verifier,
      expectedResource: resource,
    });
    expect(info.clientId).toBe('test-client');
    expect(info.scopes).toEqual(['mcp:tools:read', 'mcp:tools:write']);
    expect(typeof info.expiresAt).toBe('number');
    expect(getAuthContext({ http: { authInfo: info } })?.userId).toBe('bob');
  });

  it('an invalid token → OAuthError invalid_token (401), its message never contains the token', async () => {
    const auth = await createTestAuth(new URL('http://127.0.0.1:1/mcp'));
    const token = await auth.tokenFor('bob');
    const error = await createTokenVerifier(auth.verifier)
      .verifyAccessToken(`${token}x`)
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).code).toBe(OAuthErrorCode.InvalidToken);
    expect((error as Error).message).not.toContain(token.slice(20, 60));
  });

  it('a check that cannot be made (503 in core) → OAuthError server_error, never a pass', async () => {
    const down: TokenVerifier = {
      async verify() {
        throw new errors.TemporarilyUnavailableError('The revocation check is unavailable');
      },
    };
    const error = await createTokenVerifier(down)
      .verifyAccessToken('a.b.c')
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect((error as OAuthError).code).toBe(OAuthErrorCode.ServerError);
  });

  it('TypeError without verify(); getAuthContext is undefined for a context without mcp-auth authInfo', () => {
    expect(() => createTokenVerifier({} as TokenVerifier)).toThrow(TypeError);
    expect(getAuthContext(undefined)).toBeUndefined();
    expect(getAuthContext({ http: { authInfo: { token: 't', clientId: 'c', scopes: [] } } })).toBe(
      undefined,
    );
  });
});
