/**
 * OAuth error codes this library can answer with: RFC 6749 §4.1.2.1 / §5.2, RFC 6750 §3.1,
 * RFC 7591 §3.2.2, RFC 7009 §2.2.1, RFC 8707 §2, plus three HTTP-level codes (405, 413, 429)
 * that the MCP SDK also uses.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_target'
  | 'unsupported_token_type'
  | 'method_not_allowed'
  | 'too_many_requests'
  | 'request_too_large'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** The RFC 6749 §5.2 JSON error body. */
export interface OAuthErrorResponse {
  error: OAuthErrorCode;
  error_description?: string;
  error_uri?: string;
}

/** Options shared by every {@link OAuthError}. */
export interface OAuthErrorOptions {
  /** Extra response headers this error requires (e.g. `WWW-Authenticate`, `Retry-After`). */
  headers?: Record<string, string>;
  /** A URI with more information about the error (RFC 6749 `error_uri`). */
  uri?: string;
  /** The underlying cause, for logs; never serialized into a response. */
  cause?: unknown;
}

// RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
const DESCRIPTION_UNSAFE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;

/**
 * Makes a string safe for `error_description` and for quoted header parameters: it drops
 * every character RFC 6749 §5.2 forbids (including `"` and `\`) and caps the length.
 */
export function sanitizeErrorDescription(description: string): string {
  return description.replace(DESCRIPTION_UNSAFE, '').slice(0, 300);
}

/**
 * Base class of every OAuth protocol error. Each subclass fixes the RFC `code` and the HTTP
 * `status`, so callers `switch (err.code)` and adapters only copy `status`, `headers` and
 * {@link OAuthError.toResponseObject} to the wire.
 *
 * Messages are written by this library and never contain a token, secret, code or verifier.
 */
export class OAuthError extends Error {
  /** The RFC error code. */
  readonly code: OAuthErrorCode;
  /** The HTTP status code to answer with. */
  readonly status: number;
  /** Extra response headers the error requires. */
  readonly headers: Readonly<Record<string, string>>;
  /** Optional `error_uri`. */
  readonly uri: string | undefined;

  constructor(
    code: OAuthErrorCode,
    status: number,
    description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(
      sanitizeErrorDescription(description),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.headers = Object.freeze({ ...(options.headers ?? {}) });
    this.uri = options.uri;
  }

  /** The RFC 6749 §5.2 JSON body. */
  toResponseObject(): OAuthErrorResponse {
    const body: OAuthErrorResponse = { error: this.code };
    if (this.message) body.error_description = this.message;
    if (this.uri) body.error_uri = this.uri;
    return body;
  }
}

type Fixed = new (description?: string, options?: OAuthErrorOptions) => OAuthError;

function define(code: OAuthErrorCode, status: number, fallback: string): Fixed {
  return class extends OAuthError {
    constructor(description: string = fallback, options: OAuthErrorOptions = {}) {
      super(code, status, description, options);
    }
  };
}

/** 400 `invalid_request`: a parameter is missing, repeated, malformed or unsupported. */
export class InvalidRequestError extends define('invalid_request', 400, 'The request is invalid') {}
/** 400 `invalid_grant`: the code, refresh token or PKCE verifier is invalid, expired or used. */
export class InvalidGrantError extends define('invalid_grant', 400, 'The grant is invalid') {}
/** 400 `unauthorized_client`: the client may not use this grant or response type. */
export class UnauthorizedClientError extends define(
  'unauthorized_client',
  400,
  'The client is not authorized for this request',
) {}
/** 400 `unsupported_grant_type`. */
export class UnsupportedGrantTypeError extends define(
  'unsupported_grant_type',
  400,
  'The grant type is not supported',
) {}
/** 400 `invalid_scope`: unknown scope, or wider than what was granted. */
export class InvalidScopeError extends define(
  'invalid_scope',
  400,
  'The requested scope is invalid',
) {}
/** 403 `access_denied`: the user or the policy refused. */
export class AccessDeniedError extends define('access_denied', 403, 'Access denied') {}
/** 400 `unsupported_response_type`. */
export class UnsupportedResponseTypeError extends define(
  'unsupported_response_type',
  400,
  'The response type is not supported',
) {}
/** 500 `server_error`. */
export class ServerError extends define('server_error', 500, 'Internal server error') {}
/** 400 `invalid_redirect_uri` (RFC 7591 §3.2.2). */
export class InvalidRedirectUriError extends define(
  'invalid_redirect_uri',
  400,
  'A redirect URI is invalid',
) {}
/** 400 `invalid_client_metadata` (RFC 7591 §3.2.2). */
export class InvalidClientMetadataError extends define(
  'invalid_client_metadata',
  400,
  'The client metadata is invalid',
) {}
/** 400 `invalid_target` (RFC 8707 §2): the `resource` is not one this server serves. */
export class InvalidTargetError extends define('invalid_target', 400, 'The resource is invalid') {}
/** 400 `unsupported_token_type` (RFC 7009 §2.2.1). */
export class UnsupportedTokenTypeError extends define(
  'unsupported_token_type',
  400,
  'The token type is not supported',
) {}
/** 405 with an `Allow` header. */
export class MethodNotAllowedError extends OAuthError {
  constructor(allowed: readonly string[], options: OAuthErrorOptions = {}) {
    super('method_not_allowed', 405, `Method not allowed; use ${allowed.join(', ')}`, {
      ...options,
      headers: { Allow: allowed.join(', '), ...options.headers },
    });
  }
}
/** 413: the request body is larger than the endpoint accepts. */
export class PayloadTooLargeError extends define(
  'request_too_large',
  413,
  'The request body is too large',
) {}

/** 429 with `Retry-After`. */
export class TooManyRequestsError extends OAuthError {
  constructor(
    retryAfterSeconds: number,
    description = 'Too many requests',
    options: OAuthErrorOptions = {},
  ) {
    super('too_many_requests', 429, description, {
      ...options,
      headers: {
        'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
        ...options.headers,
      },
    });
  }
}

/** 503 `temporarily_unavailable` with `Retry-After`: used when the store fails (fail closed). */
export class TemporarilyUnavailableError extends OAuthError {
  constructor(
    description = 'The service is temporarily unavailable; nothing was issued',
    options: OAuthErrorOptions & { retryAfterSeconds?: number } = {},
  ) {
    super('temporarily_unavailable', 503, description, {
      ...options,
      headers: { 'Retry-After': String(options.retryAfterSeconds ?? 1), ...options.headers },
    });
  }
}

/**
 * 401 `invalid_client` (RFC 6749 §5.2). When the client tried HTTP Basic, the response
 * carries `WWW-Authenticate: Basic`.
 */
export class InvalidClientError extends OAuthError {
  constructor(
    description = 'Client authentication failed',
    options: OAuthErrorOptions & { basic?: boolean } = {},
  ) {
    const headers = options.basic
      ? { 'WWW-Authenticate': 'Basic realm="oauth", charset="UTF-8"', ...options.headers }
      : options.headers;
    super('invalid_client', 401, description, { ...options, headers });
  }
}

/**
 * `invalid_dpop_proof` (RFC 9449 §5, §7.1): the `DPoP` proof header is missing where it is
 * needed, malformed, replayed, or does not match the request, the access token or the key the
 * grant is bound to. 400 at the token endpoint; a resource server answers 401 with a `DPoP`
 * challenge (pass `status: 401`).
 */
export class InvalidDpopProofError extends OAuthError {
  constructor(
    description = 'The DPoP proof is invalid',
    options: OAuthErrorOptions & { status?: 400 | 401 } = {},
  ) {
    super('invalid_dpop_proof', options.status ?? 400, description, options);
  }
}

/**
 * `use_dpop_nonce` (RFC 9449 §8, §9): the server requires a nonce it issued in the DPoP proof;
 * the fresh one is in the `DPoP-Nonce` header. 400 at the token endpoint, 401 at a resource.
 */
export class UseDpopNonceError extends OAuthError {
  constructor(
    nonce: string,
    description = 'A DPoP nonce from this server is required in the proof',
    options: OAuthErrorOptions & { status?: 400 | 401 } = {},
  ) {
    super('use_dpop_nonce', options.status ?? 400, description, {
      ...options,
      headers: { 'DPoP-Nonce': nonce, ...options.headers },
    });
  }
}

/** Why a bearer token was refused; lets a resource server pick the right challenge. */
export interface BearerErrorOptions extends OAuthErrorOptions {
  /** The JWT error code behind this failure, when there is one. */
  jwtCode?: string;
}

/**
 * 401 `invalid_token` (RFC 6750 §3.1): missing, malformed, expired, revoked or wrong-audience
 * token. The resource server adds `WWW-Authenticate: Bearer resource_metadata=…`.
 */
export class InvalidTokenError extends OAuthError {
  /** The underlying `ERR_JWT_*` code, if the failure came from JWT verification. */
  readonly jwtCode: string | undefined;
  constructor(description = 'The access token is invalid', options: BearerErrorOptions = {}) {
    super('invalid_token', 401, description, options);
    this.jwtCode = options.jwtCode;
  }
}

/**
 * 403 `insufficient_scope` (RFC 6750 §3.1): the token is valid but lacks scopes.
 * `requiredScopes` is what the client should request on step-up.
 */
export class InsufficientScopeError extends OAuthError {
  /** Scopes the client must hold for this request (granted ∪ missing, for step-up). */
  readonly requiredScopes: readonly string[];
  constructor(
    requiredScopes: readonly string[],
    description = 'The access token does not carry the required scope',
    options: OAuthErrorOptions = {},
  ) {
    super('insufficient_scope', 403, description, options);
    this.requiredScopes = Object.freeze([...requiredScopes]);
  }
}

/** True for any {@link OAuthError}, also across duplicated copies of this package. */
export function isOAuthError(value: unknown): value is OAuthError {
  return (
    value instanceof OAuthError ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { code?: unknown }).code === 'string' &&
      typeof (value as { status?: unknown }).status === 'number' &&
      typeof (value as { toResponseObject?: unknown }).toResponseObject === 'function')
  );
}
