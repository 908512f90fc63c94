import type { TokenVerifier } from '@mcp-auth/core';
import { OAuthError, OAuthErrorCode, type OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { sdkAccessTokenVerifier } from '../verify-access-token.js';

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
  return sdkAccessTokenVerifier(verifier, {
    invalidToken: (message) => new OAuthError(OAuthErrorCode.InvalidToken, message),
    serverError: (message) => new OAuthError(OAuthErrorCode.ServerError, message),
  });
}
