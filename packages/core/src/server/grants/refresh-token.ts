import type { TokenService } from '../../tokens/types.js';
import { optionalScopes, requiredParam } from './params.js';
import type { GrantHandler } from './types.js';

/** `refresh_token` with rotation and reuse detection (OAuth 2.1 §4.3). */
export function refreshTokenGrant(tokens: TokenService): GrantHandler {
  return async ({ form, client, resource, dpop }) => {
    const refreshToken = requiredParam(form, 'refresh_token');
    const scopes = optionalScopes(form);
    return tokens.refresh({
      refreshToken,
      clientId: client.clientId,
      ...(scopes === undefined ? {} : { scopes }),
      ...(resource === undefined ? {} : { resource }),
      ...(dpop === undefined ? {} : { dpop }),
    });
  };
}
