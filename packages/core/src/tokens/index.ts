export {
  type AccessTokenVerifierOptions,
  createAccessTokenVerifier,
} from './access-token-verifier.js';
export { CLIENT_SCOPES_CLAIM, GRANTABLE_SCOPES_CLAIM, PRINCIPAL_CLAIM } from './claims.js';
export { STORE_KEYS } from '../store/keys.js';
export {
  createRevocationChecker,
  createTokenService,
  MCP_TOOL_SCOPE_PREFIX,
  REGISTERED_ACCESS_TOKEN_CLAIMS,
} from './token-service.js';
export { ACCESS_TOKEN_TYPE } from './delegation.js';
export {
  createGrantManager,
  type GrantInfo,
  type GrantManager,
  type GrantManagerOptions,
} from './grants.js';
export {
  type UpstreamRefreshOptions,
  UpstreamReauthorizationRequiredError,
  type UpstreamTokenClient,
} from './upstream-refresh.js';
export type {
  ActiveIntrospectionResponse,
  InactiveIntrospectionResponse,
  IntrospectionResponse,
  ExchangeAccessTokenInput,
  IssueAccessTokenForIdentityInput,
  IssueAuthorizationCodeInput,
  IssueClientCredentialsTokenInput,
  RedeemAuthorizationCodeInput,
  RefreshInput,
  RevokeInput,
  TokenResponse,
  TokenService,
  TokenServiceOptions,
} from './types.js';
