/**
 * `@mcp-auth/core/mcp`: the MCP layer the SDK and fastmcp adapters stand on — the edge guard
 * (`createMcpGuard`), tool-call authorization inside the MCP server, tool-list filtering, the
 * conversion between an `AuthContext` and the SDK's `AuthInfo`, denied tool results, the
 * JSON-RPC reading of MCP bodies, and `checkTokenVerifier` (the one "has verify()" option
 * check). Applications use an adapter (`@mcp-auth/sdk`, `@mcp-auth/fastmcp`) or
 * `createFetchMcpGuard` from the root rather than this entry; the one helper a tool handler needs, `authContextFromAuthInfo`, is in the root.
 * @packageDocumentation
 */
export {
  type AuthorizeMcpToolCallOptions,
  authorizeMcpToolCall,
  type BearerChallengeOptions,
  buildBearerChallenge,
  buildDpopChallenge,
  checkToolRateLimit,
  createDeniedToolResult,
  createMcpGuard,
  DEFAULT_MAX_JSON_DEPTH,
  DEFAULT_MAX_MCP_BODY_BYTES,
  type DeniedToolResult,
  type DpopChallengeOptions,
  type DpopNonceOptions,
  type DpopOptions,
  type DpopRequiredMetadataServer,
  decodeMcpHeaderValue,
  extractBearerToken,
  type FetchMcpGuardOutcome,
  filterToolList,
  findToolCalls,
  HEADER_MISMATCH_CODE,
  countInServerToolCall,
  isAllowedAtEdge,
  isDecidedAtEdge,
  isDpopBound,
  MAX_AUTHORIZATION_HEADER_LENGTH,
  MissingBearerTokenError,
  type McpAuthInfo,
  type McpEra,
  type McpGuard,
  type McpGuardOptions,
  type McpGuardOutcome,
  type McpGuardRequest,
  type McpToolCallAuthorization,
  mcpEra,
  type RateLimitRefusal,
  type ResourceAuthRequest,
  type ResourceDpopOptions,
  type ToolCall,
  toAuthInfo,
  withDpopRequiredMetadata,
} from './resource/index.js';
export { checkTokenVerifier } from './domain/check-token-verifier.js';
