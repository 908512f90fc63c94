/**
 * `@mcp-auth/core`: OAuth 2.1 + PKCE authentication and tool-level authorization for MCP
 * servers, with no runtime dependencies and Web-standard APIs only.
 *
 * This root entry is what an application imports (at most 70 names, checked by a test). The
 * rest lives in subpath entries, each for one audience: `@mcp-auth/core/node-http` (the Node
 * bridge of the Express and Koa adapters), `@mcp-auth/core/mcp` (the MCP layer of the SDK and
 * fastmcp adapters), `@mcp-auth/core/jwt` (the JWT toolkit), `@mcp-auth/core/policy` (policy
 * types and scope helpers), `@mcp-auth/core/store` (for store implementers),
 * `@mcp-auth/core/testing`, and the unstable `@mcp-auth/core/internal`.
 * @packageDocumentation
 */

// Configuration from the environment.
export { ConfigError, loadConfigFromEnv, loadSigningKey, type OAuthConfig } from './config.js';
// Domain types shared by the authorization server and the resource side.
export type { AuthContext, Identity, TokenVerifier } from './domain/index.js';
// Errors: the base classes, their guards and code unions; the RFC subclasses as `errors.*`.
import * as errors from './errors/catalog.js';
export { errors };
export {
  isJwtError,
  isOAuthError,
  JwtError,
  type JwtErrorCode,
  OAuthError,
  type OAuthErrorCode,
} from './errors/index.js';
// The HTTP seam: plain request/response objects and the Fetch conversion.
export {
  type HttpRequest,
  type HttpResponse,
  errorResponse,
  fromFetchRequest,
  toFetchHandler,
  toFetchResponse,
} from './http/index.js';
// Signing keys (the full JWT toolkit is `@mcp-auth/core/jwt`).
export {
  createRemoteKeySet,
  createSecretKey,
  generateKeyPair,
  generateSecret,
  type JwtKey,
} from './jwt/index.js';
// Tool policies (types and scope helpers: `@mcp-auth/core/policy`).
export {
  createDefaultPolicies,
  type PolicyDecision,
  type PolicyDecisionEvent,
  type PolicyDocument,
  PolicyEngine,
  type PolicyEngineOptions,
  PolicyValidationError,
  policyJsonSchema,
} from './policy/index.js';
// The resource side: guards in front of an MCP server, and the manual pattern.
export {
  type AuthRequired,
  authContextFromAuthInfo,
  authRequired,
  createFetchMcpGuard,
  exchangeToken,
  type ExchangeTokenOptions,
  type FetchMcpGuard,
  type FetchMcpGuardOptions,
  McpResourceAuth,
  type McpResourceAuthOptions,
  type McpCorsOptions,
  type ToolCallAuthorization,
} from './resource/index.js';
// The authorization server, its identity providers and metadata.
export {
  type AuthorizationServer,
  type AuthorizationServerOptions,
  createAuthorizationServer,
  createLoginThrottle,
  createProtectedResourceMetadata,
  DEMO_USERS,
  DevIdentityProvider,
  type DevUser,
  type IdentityAssertion,
  type IdentityProvider,
  type LocalIdentityProvider,
  type LoginContext,
  type MappedIdentity,
  type ProtectedResourceOptions,
  protectedResourceMetadataUrl,
  type RedirectIdentityProvider,
  type TrustedIdentityProvider,
  UpstreamOAuthProvider,
  type UpstreamOAuthProviderOptions,
  type UpstreamUser,
  wellKnownPath,
} from './server/index.js';
// The in-memory store (implementing a store: `@mcp-auth/core/store`).
export { MemoryStore } from './store/index.js';
// Access tokens on the resource side.
export {
  type AccessTokenVerifierOptions,
  createAccessTokenVerifier,
  createRevocationChecker,
} from './tokens/index.js';
