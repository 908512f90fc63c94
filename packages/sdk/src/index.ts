/**
 * `@mcp-auth/sdk`: protects an `McpServer` from `@modelcontextprotocol/sdk` with mcp-auth —
 * every tool call authorized against the policy, `tools/list` filtered per caller — and adapts
 * core's token verifier to the SDK's `requireBearerAuth`.
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
