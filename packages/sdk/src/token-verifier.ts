import type { TokenVerifier } from '@mcp-auth/core';
import {
  InvalidTokenError as SdkInvalidTokenError,
  ServerError as SdkServerError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { sdkAccessTokenVerifier } from './verify-access-token.js';

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
  return sdkAccessTokenVerifier(verifier, {
    invalidToken: (message) => new SdkInvalidTokenError(message),
    serverError: (message) => new SdkServerError(message),
  });
}
