import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../../test/jwt/helpers.js';
import { InvalidTokenError, TemporarilyUnavailableError } from '../errors/oauth-error.js';
import type { AuthContext } from '../domain/auth-context.js';
import {
  createRemoteKeySet,
  createSecretKey,
  generateSecret,
  type JwtPayload,
  signJwt,
} from '../jwt/index.js';
import { createAccessTokenVerifier } from './access-token-verifier.js';

const ISS = 'https://as.example.com';
const AUD = 'https://mcp.example.com/mcp';
const now = Math.floor(Date.now() / 1000);
const claims: JwtPayload = {
  iss: ISS,
  sub: 'user-1',
  aud: ['https://other.example.com', AUD],
  exp: now + 300,
  iat: now,
  jti: 'jti-1',
  client_id: 'client-1',
  scope: 'mcp:tools:read  mcp:tools:write',
  grant_id: 'grant-1',
  email: 'a@example.com',
};

async function setup(isRevoked?: (ctx: AuthContext) => Promise<boolean>) {
  const key = await createSecretKey(generateSecret());
  const verifier = createAccessTokenVerifier({ key, issuer: ISS, audience: AUD, isRevoked });
  const sign = (payload: JwtPayload = claims, typ = 'at+jwt') => signJwt(payload, key, { typ });
  return { key, verifier, sign };
}

describe('createAccessTokenVerifier (RFC 9068)', () => {
  it('maps the claims to an AuthContext', async () => {
    const { verifier, sign } = await setup();
    const ctx = await verifier.verify(await sign());
    expect(ctx).toEqual({
      userId: 'user-1',
      principal: 'user',
      clientId: 'client-1',
      scopes: ['mcp:tools:read', 'mcp:tools:write'],
      claims,
      expiresAt: now + 300,
      jti: 'jti-1',
      resource: AUD,
      grantId: 'grant-1',
    });
  });

  it('a token with mcp_principal "client" is a machine principal; anything else is a user', async () => {
    const { verifier, sign } = await setup();
    const machine = await verifier.verify(
      await sign({ ...claims, sub: 'client-1', mcp_principal: 'client' }),
    );
    expect(machine.principal).toBe('client');
    const odd = await verifier.verify(await sign({ ...claims, mcp_principal: 'robot' }));
    expect(odd.principal).toBe('user');
  });

  it('requires typ at+jwt, sub, client_id, exp, iss and aud (401 with jwtCode)', async () => {
    const { verifier, sign } = await setup();
    const cases: [Promise<string>, string][] = [
      [sign(claims, 'JWT'), 'ERR_JWT_CLAIM_INVALID'],
      [sign({ ...claims, sub: undefined }), 'ERR_JWT_CLAIM_INVALID'],
      [sign({ ...claims, client_id: undefined }), 'ERR_JWT_CLAIM_INVALID'],
      [sign({ ...claims, client_id: 7 }), 'ERR_JWT_CLAIM_INVALID'],
      [sign({ ...claims, exp: undefined }), 'ERR_JWT_EXPIRED'],
      [sign({ ...claims, exp: now - 1 }), 'ERR_JWT_EXPIRED'],
      [sign({ ...claims, iss: 'https://evil.example.com' }), 'ERR_JWT_CLAIM_INVALID'],
      [sign({ ...claims, aud: `${AUD}/` }), 'ERR_JWT_CLAIM_INVALID'],
    ];
    for (const [token, jwtCode] of cases) {
      const error = await rejectionOf(verifier.verify(await token));
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect(error).toMatchObject({ status: 401, code: 'invalid_token', jwtCode });
    }
  });

  it('revocation runs on every call, cache hits included; a failing check is a 503', async () => {
    let revoked = false;
    let calls = 0;
    let fail = false;
    const { verifier, sign } = await setup(async (ctx) => {
      calls++;
      expect(ctx.jti).toBe('jti-1');
      if (fail) throw new Error('store down');
      return revoked;
    });
    const token = await sign();
    await verifier.verify(token);
    await verifier.verify(token);
    expect(calls).toBe(2);
    revoked = true;
    const error = await rejectionOf(verifier.verify(token));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as InvalidTokenError).status).toBe(401);
    fail = true;
    const down = await rejectionOf(verifier.verify(token));
    expect(down).toBeInstanceOf(TemporarilyUnavailableError);
    expect((down as TemporarilyUnavailableError).status).toBe(503);
  });

  it('an unreachable key set is a 503, not a 401', async () => {
    const { sign } = await setup();
    const verifier = createAccessTokenVerifier({
      key: createRemoteKeySet('http://127.0.0.1:9/jwks', { timeoutMs: 200 }),
      issuer: ISS,
      audience: AUD,
    });
    const error = await rejectionOf(verifier.verify(await sign()));
    expect(error).toBeInstanceOf(TemporarilyUnavailableError);
  });

  it('refuses bad options at construction (TypeError)', async () => {
    const key = await createSecretKey(generateSecret());
    expect(() => createAccessTokenVerifier({ key, issuer: '', audience: AUD })).toThrow(TypeError);
    expect(() => createAccessTokenVerifier({ key, issuer: ISS } as never)).toThrow(TypeError);
    expect(() => createAccessTokenVerifier({ key, issuer: ISS, audience: [] })).toThrow(TypeError);
  });
});
