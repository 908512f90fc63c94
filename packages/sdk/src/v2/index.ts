/**
 * `@mcp-auth/sdk/v2`: protects servers built on MCP TypeScript SDK 2.x
 * (`@modelcontextprotocol/server`, served with `createMcpHandler` on protocol 2026-07-28 and
 * its 2025-era fallback) with mcp-auth — every tool call authorized against the policy on the
 * arguments the tool receives, `tools/list` filtered per caller — and adapts core's token
 * verifier to the SDK's `requireBearerAuth`.
 *
 * Pass the caller to the handler as `handler.fetch(request, { authInfo })` (Fetch runtimes) or
 * `req.auth = authInfo` before `toNodeHandler(handler)(req, res)` (Node), with an `authInfo`
 * from core's `toAuthInfo()` (what the mcp-auth HTTP guards produce).
 * @packageDocumentation
 */
export {
  getAuthContext,
  type ProtectMcpServerOptions,
  protectMcpServer,
} from './protect-mcp-server.js';
export { createTokenVerifier } from './token-verifier.js';
