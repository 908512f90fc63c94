/**
 * `@mcp-auth/core/node-http`: the Node bridge the Express, Koa and fastmcp adapters stand on —
 * Node `IncomingMessage`/`ServerResponse` to the plain HTTP objects and back (with one capped
 * body reader), the authorization server as a Node handler, and the bearer check and MCP guard
 * for Node requests (`node-http.node.ts`, selected by the `node` condition, also installs
 * the Node fast paths). Applications use an adapter (`@mcp-auth/express`, `@mcp-auth/koa`,
 * `@mcp-auth/fastmcp`) rather than this entry.
 * @packageDocumentation
 */
export {
  createNodeAuthorizationHandler,
  type NodeAuthorizationHandler,
  type NodeAuthorizationHandlerOptions,
  type NodeAuthorizationServer,
  type NodeRequestLike,
  type NodeResponseLike,
  type NodeRoute,
  nodeRequestHeaders,
  nodeRequestTarget,
  type ReadNodeBodyOptions,
  readNodeBody,
  type ToHttpRequestOptions,
  toHttpRequest,
  writeNodeResponse,
} from './http/index.js';
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
} from './resource/index.js';
