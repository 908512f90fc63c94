import { isJwtError } from '../errors/jwt-error.js';
import { isOAuthError } from '../errors/oauth-error.js';
import type { AuthContext } from '../domain/auth-context.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import { storeCall } from '../store/store.js';
import {
  MAX_JWT_LENGTH,
  MAX_OPAQUE_LENGTH,
  type RefreshRecord,
  type TokenContext,
} from './context.js';
import { STORE_KEYS } from '../store/keys.js';
import type { ActiveIntrospectionResponse, IntrospectionResponse } from './types.js';

/**
 * RFC 7662 introspection of one of our tokens: an access token through the revocation-aware
 * verifier, a refresh token by its stored record. Anything else is `{ active: false }`.
 */
export async function introspect(ctx: TokenContext, token: string): Promise<IntrospectionResponse> {
  const inactive: IntrospectionResponse = { active: false };
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_JWT_LENGTH) {
    return inactive;
  }
  if (token.split('.').length === 3) {
    let context: AuthContext;
    try {
      context = await ctx.verifier().verify(token);
    } catch (error) {
      if (isOAuthError(error) && error.code === 'invalid_token') return inactive;
      if (isJwtError(error)) return inactive;
      throw error;
    }
    const response: ActiveIntrospectionResponse = {
      ...context.claims,
      active: true,
      // RFC 9449 §6.2: a token bound to a DPoP key (cnf.jkt) is of type DPoP.
      token_type: isDpopBound(context.claims) ? 'DPoP' : 'Bearer',
    };
    return response;
  }
  if (token.length > MAX_OPAQUE_LENGTH) return inactive;
  const hash = await sha256Base64Url(token);
  const record = await storeCall(ctx.store.get<RefreshRecord>(STORE_KEYS.refresh(hash)));
  if (record === undefined || record.expiresAt <= ctx.now()) return inactive;
  if (await ctx.checkRevoked({ jti: undefined, grantId: record.grantId })) return inactive;
  return {
    active: true,
    token_type: 'refresh_token',
    scope: record.scopes.join(' '),
    client_id: record.clientId,
    sub: record.sub,
    exp: Math.floor(record.expiresAt / 1000),
    iss: ctx.issuer,
    aud: record.resource,
  };
}

function isDpopBound(claims: Readonly<Record<string, unknown>>): boolean {
  const cnf = claims.cnf;
  return typeof cnf === 'object' && cnf !== null && 'jkt' in cnf;
}
