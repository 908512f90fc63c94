import { isOAuthError, type TokenVerifier } from '@mcp-auth/core';
import { checkTokenVerifier, isDpopBound, type McpAuthInfo, toAuthInfo } from '@mcp-auth/core/mcp';

/** How one MCP SDK generation spells the two refusals of a bearer-token check. */
export interface SdkTokenErrors {
  /** An invalid, expired, revoked or wrong-audience token: the SDK's 401. */
  invalidToken(message: string): Error;
  /** Anything else (e.g. an unreachable revocation store): the SDK's 500, never a pass. */
  serverError(message: string): Error;
}

/**
 * The `verifyAccessToken` both SDK generations' `OAuthTokenVerifier`s share: core's verdict,
 * then `toAuthInfo()`, with core's refusals in the SDK's error classes. Messages are core's,
 * which never contain the token.
 *
 * @throws TypeError when `verifier` has no `verify(token)` method.
 */
export function sdkAccessTokenVerifier(
  verifier: TokenVerifier,
  errors: SdkTokenErrors,
): { verifyAccessToken(token: string): Promise<McpAuthInfo> } {
  checkTokenVerifier(verifier, 'createTokenVerifier(verifier): verifier');
  return {
    async verifyAccessToken(token: string): Promise<McpAuthInfo> {
      let auth: Awaited<ReturnType<TokenVerifier['verify']>>;
      try {
        auth = await verifier.verify(token);
      } catch (error) {
        if (isOAuthError(error) && error.code === 'invalid_token') {
          throw errors.invalidToken(error.message);
        }
        throw errors.serverError('The access token could not be verified');
      }
      // RFC 9449 §7.2: the SDK's bearer check has no proof, so a DPoP-bound token is refused.
      if (isDpopBound(auth))
        throw errors.invalidToken('The access token is DPoP-bound: present it with a DPoP proof');
      return toAuthInfo(auth, token);
    },
  };
}
