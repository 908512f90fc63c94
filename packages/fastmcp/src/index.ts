/**
 * `@mcp-auth/fastmcp`: mcp-auth for `fastmcp` servers — the `authenticate` hook, per-tool
 * access following the policy (`tools/list` filtered), and the OAuth endpoints and metadata
 * served on fastmcp's HTTP app.
 * @packageDocumentation
 */
export {
  type AuthenticatedFastMCP,
  type FastMCPAuthServerOptions,
  type FastMCPAuthSession,
  FastMCPAuthWrapper,
  type FastMCPAuthWrapperOptions,
} from './fastmcp-auth-wrapper.js';
