export type * from './types.js';
export * from './client-auth.js';
export * from './introspection-endpoint.js';
export * from './revocation-endpoint.js';
export * from './token-endpoint.js';
export * from './authorization-server.js';
export type { ClientMetadata } from './client-metadata.js';
export {
  type ClientIdMetadataDocumentOptions,
  ClientMetadataDocumentError,
  type ClientMetadataDocumentProblem,
} from './client-metadata-document.js';
export type { StaticClientConfig } from './client-registry.js';
export * from './identity/dev.js';
export * from './identity/login-throttle.js';
export * from './metadata.js';
export { isExactLoopbackHost as isLoopbackHost } from '../net/host.js';
export { checkRedirectUri, redirectUriMatches } from './redirect-uri.js';
export type { RegistrationHook } from './registration-endpoint.js';
export { checkOutboundUrl, type OutboundUrlOptions } from '../net/host.js';
export * from './identity/upstream-provider.js';
export { type UpstreamErrorReason, UpstreamIdentityError } from './identity/upstream-http.js';
