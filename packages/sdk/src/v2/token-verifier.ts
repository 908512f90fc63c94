import { isOAuthError, type TokenVerifier } from '@mcp-auth/core';
import { checkTokenVerifier, toAuthInfo } from '@mcp-auth/core/mcp';
import {
  type AuthInfo,
  OAuthError,
  OAuthErrorCode,
  type OAuthTokenVerifier,
} from '@modelcontextprotocol/server';

/**
 * Adapts a core {@link TokenVerifier} (e.g. `createAccessTokenVerifier(…)`) to SDK 2.x's
 * `OAuthTokenVerifier`, for servers on the SDK's own `requireBearerAuth({ verifier })`
 * (`@modelcontextprotocol/server`'s Fetch gate or `@modelcontextprotocol/express`'s
 * middleware) in front of `createMcpHandler`.
 *
 * The `AuthInfo` comes from core's `toAuthInfo()` — `token`, `clientId`, `scopes`,
 * `expiresAt`, `resource`, and the `AuthContext` in `extra.auth`, which
 * {@link protectMcpServer} reads. Core's refusals map to the SDK's `OAuthError`: an invalid,
 * expired, revoked or wrong-audience token → `invalid_token` (401); anything else, including a
 * revocation store that cannot be reached → `server_error` (500, never a pass). Messages are
 * core's, which never contain the token.
 *
 * @throws TypeError when `verifier` has no `verify(token)` method.
 */
export function createTokenVerifier(verifier: TokenVerifier): OAuthTokenVerifier {
  checkTokenVerifier(verifier, 'createTokenVerifier(verifier): verifier');
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      let auth: Awaited<ReturnType<TokenVerifier['verify']>>;
      try {
        auth = await verifier.verify(token);
      } catch (error) {
        if (isOAuthError(error) && error.code === 'invalid_token') {
          throw new OAuthError(OAuthErrorCode.InvalidToken, error.message);
        }
        throw new OAuthError(OAuthErrorCode.ServerError, 'The access token could not be verified');
      }
      return toAuthInfo(auth, token);
    },
  };
}
