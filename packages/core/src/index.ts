/**
 * `@mcp-auth/core`: OAuth 2.1 + PKCE authentication and tool-level authorization for MCP
 * servers, with no runtime dependencies and Web-standard APIs only.
 * @packageDocumentation
 */
export * from './encoding/index.js';
export * from './errors/index.js';
export * from './pkce.js';
export * from './store/index.js';
