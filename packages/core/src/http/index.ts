export {
  type HttpRequestHandler,
  type FetchConnectionInfo,
  fromFetchRequest,
  toFetchHandler,
  toFetchResponse,
} from './fetch.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  type FormParams,
  mediaType,
  parseFormBody,
  parseJsonBody,
  uniqueParams,
} from './form.js';
export { type HttpRequest, type HttpResponse, clientAddress } from './messages.js';
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
} from './node.js';
export { errorResponse, jsonResponse, NO_STORE_HEADERS } from './responses.js';
