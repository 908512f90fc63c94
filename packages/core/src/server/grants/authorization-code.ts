import { InvalidRequestError } from '../../errors/oauth-error.js';
import { isValidCodeVerifier } from '../../pkce.js';
import type { TokenService } from '../../tokens/types.js';
import { requiredParam } from './params.js';
import type { GrantHandler } from './types.js';

/** `authorization_code` with PKCE (OAuth 2.1 §4.1.3, RFC 7636). */
export function authorizationCodeGrant(tokens: TokenService): GrantHandler {
  return async ({ form, client, resource, dpop }) => {
    const code = requiredParam(form, 'code');
    const codeVerifier = form.get('code_verifier');
    if (!isValidCodeVerifier(codeVerifier)) {
      // RFC 7636 §4.1 / §4.5 (SECURITY-CASES 11).
      throw new InvalidRequestError('code_verifier is missing or malformed');
    }
    return tokens.redeemAuthorizationCode({
      code,
      clientId: client.clientId,
      redirectUri: form.get('redirect_uri'),
      codeVerifier,
      ...(resource === undefined ? {} : { resource }),
      issueRefreshToken: client.grantTypes.includes('refresh_token'),
      ...(dpop === undefined ? {} : { dpop }),
    });
  };
}
