/**
 * `@mcp-auth/sdk`: protects an `McpServer` from MCP TypeScript SDK 1.x
 * (`@modelcontextprotocol/sdk`) with mcp-auth — every tool call authorized against the policy
 * on the arguments the tool receives, `tools/list` filtered per caller — and adapts core's
 * token verifier to the SDK's `requireBearerAuth`. For SDK 2.x (`@modelcontextprotocol/server`)
 * import from `@mcp-auth/sdk/v2`.
 * @packageDocumentation
 */
export { type ProtectMcpServerOptions, protectMcpServer } from './protect-mcp-server.js';
export { createTokenVerifier } from './token-verifier.js';
export {
  interceptRequestHandlers,
  type RawRequestHandler,
  type RequestExtra,
  type WrapRequestHandler,
} from './request-handlers.js';
