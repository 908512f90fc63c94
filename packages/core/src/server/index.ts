export type {
  ClientAssertionVerifier,
  ClientRecord,
  ClientRegistry,
  IdentityProvider,
  LocalIdentityProvider,
  LoginContext,
  RedirectIdentityProvider,
  TokenEndpointAuthMethod,
} from './types.js';
export { authenticateClient, type AuthenticateClientOptions } from './client-auth.js';
export {
  type ClientAssertionContext,
  type ClientAssertionOptions,
  type ConsumeAssertionJtiInput,
  consumeAssertionJti,
  createClientAssertionVerifier,
  createJwksKeySource,
  describeAssertionError,
  type JwksSource,
  type JwksSourceOptions,
  JWT_BEARER_CLIENT_ASSERTION_TYPE,
} from './client-assertion.js';
export {
  handleIntrospectionRequest,
  type IntrospectionEndpointDeps,
} from './introspection-endpoint.js';
export { handleRevocationRequest, type RevocationEndpointDeps } from './revocation-endpoint.js';
export { handleTokenRequest, type TokenEndpointDeps } from './token-endpoint.js';
export {
  type AuthorizationServer,
  type AuthorizationServerOptions,
  type AuthorizationServerRoute,
  type ClientRegistrationOptions,
  type ConsentOptions,
  createAuthorizationServer,
  type ProtectedResourceOptions,
} from './authorization-server.js';
export type { ApplicationType, ClientMetadata } from './client-metadata.js';
export {
  type ClientIdMetadataDocumentOptions,
  ClientMetadataDocumentError,
  type ClientMetadataDocumentProblem,
} from './client-metadata-document.js';
export type { StaticClientConfig } from './client-registry.js';
export {
  DEFAULT_PBKDF2_ITERATIONS,
  DEMO_USERS,
  DevIdentityProvider,
  type DevIdentityProviderOptions,
  type DevUser,
  hashPassword,
} from './identity/dev.js';
export {
  createLoginThrottle,
  type LoginThrottle,
  type LoginThrottleOptions,
} from './identity/login-throttle.js';
export {
  type AuthorizationServerMetadata,
  createProtectedResourceMetadata,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
  protectedResourceMetadataUrl,
  wellKnownPath,
} from './metadata.js';
export { isExactLoopbackHost as isLoopbackHost } from '../net/host.js';
export { checkRedirectUri, redirectUriMatches } from './redirect-uri.js';
export type { RegistrationHook } from './registration-endpoint.js';
export { checkOutboundUrl, type OutboundUrlOptions } from '../net/host.js';
export {
  type MappedIdentity,
  type UpstreamClientAuthMethod,
  UpstreamOAuthProvider,
  type UpstreamOAuthProviderOptions,
  type UpstreamUser,
} from './identity/upstream-provider.js';
export { type UpstreamErrorReason, UpstreamIdentityError } from './identity/upstream-http.js';
export type { IdentityAssertion, TrustedIdentityProvider } from './identity-assertion.js';
export type { TokenExchangeAudience, TokenExchangeOptions } from './grants/token-exchange.js';
