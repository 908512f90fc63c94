import { InvalidClientMetadataError, InvalidRedirectUriError } from '../errors/oauth-error.js';
import type { TokenEndpointAuthMethod } from './types.js';
import {
  checkApplicationTypeRedirectUri,
  checkRedirectUri,
  hasControlOrSpace,
} from './redirect-uri.js';

// Control characters (spaces allowed) never belong in displayed metadata.
function hasControl(text: string): boolean {
  return hasControlOrSpace(text.replaceAll(' ', ''));
}

/** Client metadata after validation (RFC 7591 §2), camelCase. */
export interface ClientMetadata {
  readonly redirectUris: readonly string[];
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly grantTypes: readonly string[];
  readonly responseTypes: readonly string[];
  readonly clientName?: string;
  readonly clientUri?: string;
  readonly logoUri?: string;
  /** Space-separated scopes the client limited itself to (unknown ones dropped). */
  readonly scope?: string;
  /**
   * The OIDC `application_type` the client declared (SEP-837), when it declared one: its
   * redirect URIs were checked against that type's rules. Absent when the client sent none
   * (then only the base redirect rules apply — see {@link validateClientMetadata}).
   */
  readonly applicationType?: ApplicationType;
}

/**
 * OpenID Connect Dynamic Client Registration 1.0 §2 `application_type`, required of MCP clients
 * by the 2026-07-28 authorization spec (SEP-837): `native` (desktop, mobile, CLI, loopback
 * redirects) or `web` (a remote browser-based application).
 */
export type ApplicationType = 'native' | 'web';

const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'none',
  'client_secret_basic',
  'client_secret_post',
];
const GRANT_TYPES = ['authorization_code', 'refresh_token'];
const MAX_REDIRECT_URIS = 20;

function optionalString(
  raw: Record<string, unknown>,
  name: string,
  max: number,
): string | undefined {
  const value = raw[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max || hasControl(value)) {
    throw new InvalidClientMetadataError(`${name} must be a string of at most ${max} characters`);
  }
  return value;
}

function optionalHttpsUrl(raw: Record<string, unknown>, name: string): string | undefined {
  const value = optionalString(raw, name, 2000);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidClientMetadataError(`${name} must be an https URL`);
  }
  if (url.protocol !== 'https:' || url.username || url.password) {
    throw new InvalidClientMetadataError(`${name} must be an https URL`);
  }
  return value;
}

function stringArray(raw: Record<string, unknown>, name: string): string[] | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string') || value.length > 20) {
    throw new InvalidClientMetadataError(`${name} must be an array of strings`);
  }
  return [...new Set(value as string[])];
}

/** Where the metadata comes from: dynamic registration or a client ID metadata document. */
export type ClientMetadataSource = 'registration' | 'metadata-document';

/**
 * Validates RFC 7591 client metadata. Redirect URIs follow {@link checkRedirectUri}
 * (SECURITY-CASES 20); only the code flow, refresh tokens and the three supported
 * authentication methods are accepted. Unknown scopes are dropped (RFC 7591 §2 lets the
 * server replace the requested scope). A metadata document client must be public
 * (`none`): it has no shared secret.
 */
export function validateClientMetadata(
  raw: Record<string, unknown>,
  source: ClientMetadataSource,
  scopesSupported: readonly string[],
): ClientMetadata {
  const redirectUris = stringArray(raw, 'redirect_uris');
  if (!redirectUris || redirectUris.length === 0) {
    throw new InvalidRedirectUriError('redirect_uris must list at least one URI');
  }
  if (redirectUris.length > MAX_REDIRECT_URIS) {
    throw new InvalidRedirectUriError(`redirect_uris may list at most ${MAX_REDIRECT_URIS} URIs`);
  }
  for (const uri of redirectUris) {
    const problem = checkRedirectUri(uri);
    if (problem) throw new InvalidRedirectUriError(`A redirect URI ${problem}`);
  }
  const applicationType = checkApplicationType(raw['application_type'], redirectUris);
  const method =
    raw['token_endpoint_auth_method'] ??
    (source === 'registration' ? 'client_secret_basic' : 'none');
  if (!AUTH_METHODS.includes(method as TokenEndpointAuthMethod)) {
    throw new InvalidClientMetadataError(
      'token_endpoint_auth_method must be none, client_secret_basic or client_secret_post',
    );
  }
  if (source === 'metadata-document' && method !== 'none') {
    throw new InvalidClientMetadataError(
      'A client metadata document client must use token_endpoint_auth_method none',
    );
  }
  const grantTypes = stringArray(raw, 'grant_types') ?? ['authorization_code'];
  if (grantTypes.length === 0 || grantTypes.some((g) => !GRANT_TYPES.includes(g))) {
    throw new InvalidClientMetadataError(
      'grant_types may only hold authorization_code and refresh_token',
    );
  }
  if (!grantTypes.includes('authorization_code')) {
    throw new InvalidClientMetadataError('grant_types must include authorization_code');
  }
  const responseTypes = stringArray(raw, 'response_types') ?? ['code'];
  if (responseTypes.length !== 1 || responseTypes[0] !== 'code') {
    throw new InvalidClientMetadataError('response_types must be ["code"]');
  }
  const scopeText = optionalString(raw, 'scope', 2000);
  let scope: string | undefined;
  if (scopeText !== undefined) {
    const wanted = scopeText.split(' ').filter(Boolean);
    const kept =
      scopesSupported.length > 0 ? wanted.filter((s) => scopesSupported.includes(s)) : wanted;
    if (kept.length > 0) scope = [...new Set(kept)].join(' ');
  }
  const metadata: {
    -readonly [K in keyof ClientMetadata]: ClientMetadata[K];
  } = {
    redirectUris,
    tokenEndpointAuthMethod: method as TokenEndpointAuthMethod,
    grantTypes,
    responseTypes,
  };
  const clientName = optionalString(raw, 'client_name', 200);
  if (clientName !== undefined) metadata.clientName = clientName;
  const clientUri = optionalHttpsUrl(raw, 'client_uri');
  if (clientUri !== undefined) metadata.clientUri = clientUri;
  const logoUri = optionalHttpsUrl(raw, 'logo_uri');
  if (logoUri !== undefined) metadata.logoUri = logoUri;
  if (scope !== undefined) metadata.scope = scope;
  if (applicationType !== undefined) metadata.applicationType = applicationType;
  return metadata;
}

/**
 * `application_type` (OIDC DCR §2, SEP-837): `native` redirect URIs must be loopback `http` or a
 * reverse-domain private-use scheme, `web` ones `https` on a non-loopback host; anything else
 * → `invalid_redirect_uri`. An unknown value → `invalid_client_metadata`. Absent: no type is
 * recorded and only the base rules apply. OIDC would default to `web`, but this server is an
 * OAuth 2.1 server, not an OpenID Provider, and that default would refuse every MCP client
 * registered before SEP-837 (loopback redirects with no `application_type`).
 */
function checkApplicationType(
  value: unknown,
  redirectUris: readonly string[],
): ApplicationType | undefined {
  if (value === undefined || value === null) return undefined;
  if (value !== 'native' && value !== 'web') {
    throw new InvalidClientMetadataError('application_type must be "native" or "web"');
  }
  for (const uri of redirectUris) {
    const problem = checkApplicationTypeRedirectUri(value, uri);
    if (problem) throw new InvalidRedirectUriError(`A redirect URI ${problem}`);
  }
  return value;
}
