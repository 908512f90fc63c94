/**
 * `@mcp-auth/koa`: mount an mcp-auth authorization server and protect an MCP endpoint in a
 * Koa 2 or 3 application. Every decision is made by `@mcp-auth/core`.
 * @packageDocumentation
 */
export {
  type McpAuthState,
  type McpGuardOptions,
  mcpGuard,
  type RequireAuthOptions,
  requireAuth,
} from './auth.js';
export { type McpAuth, type McpAuthOptions, mcpAuth } from './mcp-auth.js';
export { type McpAuthRouterOptions, mcpAuthRouter } from './router.js';
