export * from './fetch.js';
export * from './form.js';
export { type AuthRequest, type AuthResponse, clientAddress } from './messages.js';
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
  type ToAuthRequestOptions,
  toAuthRequest,
  writeNodeResponse,
} from './node.js';
export * from './responses.js';
