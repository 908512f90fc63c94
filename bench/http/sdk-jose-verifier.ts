/**
 * The `jose` HS256 verifier of the sdk-jose variants: `jwtVerify` with the secret as bytes (as
 * jose's README shows; a `KeyObject` or `CryptoKey` was not faster on Node 20), checking issuer,
 * audience, `typ: at+jwt` and the claims mcp-auth requires, mapped to the SDK's `AuthInfo`.
 */
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { jwtVerify } from 'jose';
import { benchSecret, ISSUER, RESOURCE } from './common.js';

const key = new TextEncoder().encode(benchSecret());

export async function verifyAccessToken(token: string): Promise<AuthInfo> {
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: RESOURCE,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'sub', 'client_id'],
    }));
  } catch {
    throw new InvalidTokenError('The access token is invalid');
  }
  const scope = typeof payload['scope'] === 'string' ? payload['scope'] : '';
  return {
    token,
    clientId: String(payload['client_id']),
    scopes: scope.split(' ').filter((s) => s.length > 0),
    ...(payload.exp === undefined ? {} : { expiresAt: payload.exp }),
    extra: { sub: payload.sub },
  };
}
