/**
 * The Node.js face of `@mcp-auth/core/node-http` (the `node` export condition): the same names
 * as `node-http.ts`, and the Node fast paths installed by the entry itself (`node:crypto` for
 * JWS, and outbound fetches that check the address they connect to — SSRF), so they are on
 * even when nothing imports the root entry.
 * @packageDocumentation
 */
import { installNodeFastPaths } from './node/fast-paths.js';

installNodeFastPaths();

export {
  createNodeAuthorizationHandler,
  createNodeBearerAuth,
  createNodeMcpAuth,
  createNodeMcpGuard,
  type NodeAuthorizationHandler,
  type NodeAuthorizationHandlerOptions,
  type NodeAuthorizationServer,
  type NodeAuthOutcome,
  type NodeBearerAuthOptions,
  type NodeGuardCallOptions,
  type NodeGuardOutcome,
  type NodeMcpAuth,
  type NodeMcpAuthOptions,
  type NodeMcpGuardOptions,
  nodeRequestHeaders,
  type NodeRequestLike,
  nodeRequestTarget,
  type NodeResponseLike,
  type NodeRoute,
  readNodeBody,
  type ReadNodeBodyOptions,
  toHttpRequest,
  type ToHttpRequestOptions,
  writeNodeResponse,
} from './node-http.js';
