import { isOAuthError, type TokenVerifier } from '@mcp-auth/core';
import { checkTokenVerifier, toAuthInfo } from '@mcp-auth/core/mcp';
import {
  InvalidTokenError as SdkInvalidTokenError,
  ServerError as SdkServerError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

/**
 * Adapts a core {@link TokenVerifier} (e.g. `createAccessTokenVerifier(…)`) to the SDK's
 * `OAuthTokenVerifier`, for servers on the SDK's own `requireBearerAuth({ verifier })`.
 *
 * The `AuthInfo` it returns comes from core's `toAuthInfo()`: `token`, `clientId`, `scopes`,
 * `expiresAt`, `resource`, and the `AuthContext` in `extra.auth`, which
 * {@link protectMcpServer} reads. Core's refusals are translated to the SDK's error classes so
 * `requireBearerAuth` answers with the right status: an invalid, expired, revoked or
 * wrong-audience token → SDK `InvalidTokenError` (401); anything else, including a revocation
 * store that cannot be reached → SDK `ServerError` (500, never a pass). Error messages are
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
          throw new SdkInvalidTokenError(error.message);
        }
        throw new SdkServerError('The access token could not be verified');
      }
      return toAuthInfo(auth, token);
    },
  };
}
