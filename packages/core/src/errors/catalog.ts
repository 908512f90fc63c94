/**
 * The `OAuthError` subclasses, one per RFC error code, exported from the root entry as the
 * `errors` namespace (`errors.InvalidTokenError`, …), the way jose exports its error classes.
 * Each keeps its HTTP status, its headers (e.g. `WWW-Authenticate`) and the RFC JSON body.
 * @module
 */
export {
  AccessDeniedError,
  InsufficientScopeError,
  InvalidClientError,
  InvalidClientMetadataError,
  InvalidDpopProofError,
  InvalidGrantError,
  InvalidRedirectUriError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  InvalidTokenError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  ServerError,
  TemporarilyUnavailableError,
  TooManyRequestsError,
  UnauthorizedClientError,
  UseDpopNonceError,
  UnsupportedGrantTypeError,
  UnsupportedResponseTypeError,
  UnsupportedTokenTypeError,
} from './oauth-error.js';
