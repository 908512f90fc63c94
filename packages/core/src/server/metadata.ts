import { resourceScopes } from '../policy/scopes.js';

/** RFC 8414 authorization server metadata, as served (wire names). */
export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  /**
   * RFC 7591 dynamic registration (on by default). The MCP 2026-07-28 spec deprecates it in
   * favour of Client ID Metadata Documents and keeps it for clients that predate them; a client
   * sees both here and, by the spec's priority order, uses the document when
   * `client_id_metadata_document_supported` is present. There is no metadata field that ranks
   * the two: the preference is the clients' rule, not a server field.
   */
  registration_endpoint?: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  jwks_uri?: string;
  scopes_supported?: string[];
  response_types_supported: ['code'];
  response_modes_supported: ['query'];
  /** The grant types the token endpoint serves (`authorization_code`, `refresh_token`, …). */
  grant_types_supported: string[];
  code_challenge_methods_supported: ['S256'];
  token_endpoint_auth_methods_supported: string[];
  /** JWS algorithms of `private_key_jwt` client assertions (never `none` or `HS*`). */
  token_endpoint_auth_signing_alg_values_supported?: string[];
  revocation_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_signing_alg_values_supported?: string[];
  introspection_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_signing_alg_values_supported?: string[];
  authorization_response_iss_parameter_supported: true;
  /**
   * Client ID Metadata Documents are accepted (`clientIdMetadataDocuments` option): the MCP
   * 2026-07-28 spec's preferred registration, which clients SHOULD use whenever this is
   * advertised, before falling back to `registration_endpoint` (docs/authorization-server-security.md).
   */
  client_id_metadata_document_supported?: true;
  /** RFC 9449 §5.1: the DPoP proof algorithms the token endpoint accepts (DPoP on). */
  dpop_signing_alg_values_supported?: string[];
  [member: string]: unknown;
}

/** RFC 9728 protected resource metadata, as served (wire names). */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: ['header'];
  resource_name?: string;
  resource_documentation?: string;
  [member: string]: unknown;
}

/**
 * The well-known URL path of a metadata document for `identifier` (RFC 8414 §3.1 /
 * RFC 9728 §3.1): the well-known segment is inserted between the host and the path, so
 * `https://host/mcp` gives `/.well-known/oauth-protected-resource/mcp`.
 */
export function wellKnownPath(wellKnown: string, identifier: string): string {
  const path = new URL(identifier).pathname;
  return `/.well-known/${wellKnown}${path === '/' ? '' : path}`;
}

/**
 * The URL of the protected resource metadata of `resource` (RFC 9728 §3.1), as put into
 * `WWW-Authenticate: Bearer resource_metadata="…"`.
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  return url.origin + wellKnownPath('oauth-protected-resource', resource);
}

/** Options of {@link createProtectedResourceMetadata}. */
export interface ProtectedResourceMetadataOptions {
  /** The protected resource (the MCP endpoint URL, the tokens' audience). */
  resource: string;
  /** Issuer identifiers of the authorization servers whose tokens it accepts. */
  authorizationServers: readonly string[];
  /**
   * Scopes it understands (e.g. `policy.scopesSupported()`). `offline_access` is never
   * advertised: it asks the authorization server for a refresh token and is not a resource
   * scope (MCP 2026-07-28 authorization, "Refresh Tokens"; SEP-2207).
   */
  scopesSupported?: readonly string[];
  /** A human-readable name (RFC 9728 §2 `resource_name`). */
  resourceName?: string;
  /** A page for developers (RFC 9728 §2 `resource_documentation`). */
  resourceDocumentation?: string;
  /** RFC 9728 §2 / RFC 9449: the DPoP proof algorithms the resource accepts (DPoP on). */
  dpopSigningAlgValuesSupported?: readonly string[];
  /** RFC 9728 §2: `true` when the resource accepts only DPoP-bound tokens. */
  dpopBoundAccessTokensRequired?: boolean;
}

/**
 * The RFC 9728 protected resource metadata document of an MCP server, for the authorization
 * server (which serves its own resource's) and for standalone resource servers that accept an
 * authorization server's tokens: serve it as JSON at {@link protectedResourceMetadataUrl}.
 *
 * @throws TypeError when `resource` or an authorization server is not an absolute URL.
 */
export function createProtectedResourceMetadata(
  options: ProtectedResourceMetadataOptions,
): ProtectedResourceMetadata {
  const where = 'createProtectedResourceMetadata';
  const absolute = (value: unknown, name: string): string => {
    if (typeof value !== 'string' || !URL.canParse(value)) {
      throw new TypeError(`${where}: ${name} must be an absolute URL`);
    }
    return value;
  };
  const resource = absolute(options?.resource, 'resource');
  if (!Array.isArray(options.authorizationServers) || options.authorizationServers.length === 0) {
    throw new TypeError(`${where}: authorizationServers must list at least one issuer URL`);
  }
  const servers = options.authorizationServers.map((s) => absolute(s, 'authorizationServers[]'));
  const scopes = resourceScopes(options.scopesSupported ?? []);
  return {
    resource,
    authorization_servers: servers,
    ...(scopes.length > 0 ? { scopes_supported: [...scopes] } : {}),
    bearer_methods_supported: ['header'],
    ...(options.resourceName !== undefined ? { resource_name: options.resourceName } : {}),
    ...(options.resourceDocumentation !== undefined
      ? { resource_documentation: options.resourceDocumentation }
      : {}),
    ...(options.dpopSigningAlgValuesSupported !== undefined
      ? { dpop_signing_alg_values_supported: [...options.dpopSigningAlgValuesSupported] }
      : {}),
    ...(options.dpopBoundAccessTokensRequired === true
      ? { dpop_bound_access_tokens_required: true }
      : {}),
  };
}
