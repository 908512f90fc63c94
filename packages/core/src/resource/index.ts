export type { AuthContext, TokenVerifier } from './auth-context.js';
export {
  extractBearerToken,
  MAX_AUTHORIZATION_HEADER_LENGTH,
  MissingBearerTokenError,
} from './bearer.js';
export { type BearerChallengeOptions, buildBearerChallenge } from './challenge.js';
export * from './fetch-guard.js';
export {
  authContextFromAuthInfo,
  authorizeMcpToolCall,
  createDeniedToolResult,
  createMcpGuard,
  type McpGuardOptions,
  type DeniedToolResult,
  filterToolList,
  findToolCalls,
  type McpAuthInfo,
  type McpGuard,
  type McpGuardDecision,
  type McpGuardRejection,
  type McpGuardRequest,
  type McpToolCallAuthorization,
  toAuthInfo,
} from './mcp-guard.js';
export {
  type AuthedHandler,
  type AuthRequired,
  authRequired,
  McpAuthMiddleware,
  type McpAuthMiddlewareOptions,
  type ToolCallAuthorization,
} from './middleware.js';
export * from './node-http.js';
