export {
  extractBearerToken,
  MAX_AUTHORIZATION_HEADER_LENGTH,
  MissingBearerTokenError,
} from './bearer.js';
export { type BearerChallengeOptions, buildBearerChallenge } from './challenge.js';
export { buildDpopChallenge, type DpopChallengeOptions, isDpopBound } from './dpop.js';
export {
  type DpopRequiredMetadataServer,
  withDpopRequiredMetadata,
} from './dpop-required-metadata.js';
export type { DpopNonceOptions, DpopOptions, ResourceDpopOptions } from '../tokens/dpop.js';
export type { McpCorsOptions } from './cors.js';
export {
  createFetchMcpGuard,
  type FetchMcpGuard,
  type FetchMcpGuardOptions,
  type FetchMcpGuardOutcome,
} from './fetch-guard.js';
export {
  DEFAULT_MAX_JSON_DEPTH,
  decodeMcpHeaderValue,
  findToolCalls,
  HEADER_MISMATCH_CODE,
  type McpEra,
  mcpEra,
  type ToolCall,
} from './json-rpc.js';
export {
  authContextFromAuthInfo,
  type AuthorizeMcpToolCallOptions,
  authorizeMcpToolCall,
  createDeniedToolResult,
  createMcpGuard,
  DEFAULT_MAX_MCP_BODY_BYTES,
  type DeniedToolResult,
  filterToolList,
  countInServerToolCall,
  isAllowedAtEdge,
  isDecidedAtEdge,
  type McpAuthInfo,
  type McpGuard,
  type McpGuardOptions,
  type McpGuardOutcome,
  type McpGuardRequest,
  type McpToolCallAuthorization,
  toAuthInfo,
} from './mcp-guard.js';
export { checkToolRateLimit, type RateLimitRefusal } from './rate-limit.js';
export {
  type ExchangeClientAuth,
  type ExchangedToken,
  type ExchangeTokenOptions,
  exchangeToken,
} from './exchange-token.js';
export {
  type AuthedHandler,
  type AuthRequired,
  authRequired,
  McpResourceAuth,
  type McpResourceAuthOptions,
  type ResourceAuthRequest,
  type ToolCallAuthorization,
} from './resource-auth.js';
export {
  createNodeBearerAuth,
  createNodeMcpAuth,
  createNodeMcpGuard,
  type NodeAuthOutcome,
  type NodeBearerAuthOptions,
  type NodeGuardCallOptions,
  type NodeGuardOutcome,
  type NodeMcpAuth,
  type NodeMcpAuthOptions,
  type NodeMcpGuardOptions,
} from './node-http.js';
