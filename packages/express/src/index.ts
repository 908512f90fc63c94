/**
 * `@mcp-auth/express`: mount an mcp-auth authorization server and protect an MCP endpoint in
 * an Express 4 or 5 application. Every decision is made by `@mcp-auth/core`.
 * @packageDocumentation
 */
export {
  type McpAuthRequest,
  type McpGuardOptions,
  mcpGuard,
  type RequireAuthOptions,
  requireAuth,
} from './auth.js';
export { type McpAuth, type McpAuthOptions, mcpAuth } from './mcp-auth.js';
export { type McpAuthRouterOptions, mcpAuthRouter } from './router.js';
