/**
 * `@mcp-auth/core`: OAuth 2.1 + PKCE authentication and tool-level authorization for MCP
 * servers, with no runtime dependencies and Web-standard APIs only.
 * @packageDocumentation
 */
export * from './config.js';
export type * from './domain/index.js';
export * from './encoding/index.js';
export * from './errors/index.js';
export * from './http/index.js';
export * from './jwt/index.js';
export * from './pkce.js';
export * from './policy/index.js';
export * from './resource/index.js';
export * from './runtime/index.js';
export * from './server/index.js';
export * from './store/index.js';
export * from './tokens/index.js';
