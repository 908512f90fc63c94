import { InvalidClientMetadataError, InvalidRedirectUriError } from '../errors/oauth-error.js';
import type { TokenEndpointAuthMethod } from './types.js';
import { type ClientKeyMetadata, type ClientKeyRules, validateClientKeys } from './client-keys.js';
import {
  checkApplicationTypeRedirectUri,
  checkRedirectUri,
  hasControlOrSpace,
} from './redirect-uri.js';

// Control characters (spaces allowed) never belong in displayed metadata.
function hasControl(text: string): boolean {
  return hasControlOrSpace(text.replaceAll(' ', ''));
}

/**
 * Client metadata after validation (RFC 7591 §2), camelCase. A `private_key_jwt` client has
 * its keys (`jwks` or `jwksUri`, and optionally `tokenEndpointAuthSigningAlg`).
 */
export interface ClientMetadata extends ClientKeyMetadata {
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
  'private_key_jwt',
];
/**
 * Grant types only a client configured in code may hold: an ID-JAG's `client_id` must be known
 * to the enterprise IdP in advance, and token exchange is declared per client
 * (`tokenExchange.audiences[…].clients`). Registration and metadata documents refuse them.
 */
export const CONFIGURED_ONLY_GRANT_TYPES: readonly string[] = Object.freeze([
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
]);
const GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  ...CONFIGURED_ONLY_GRANT_TYPES,
];
// Grants without a user at the authorization endpoint: no redirect URIs, a confidential client.
const NON_INTERACTIVE = ['client_credentials', ...CONFIGURED_ONLY_GRANT_TYPES];
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
 * (SECURITY-CASES 20); only the code flow, refresh tokens, client credentials and the four
 * supported authentication methods are accepted (see {@link checkGrantTypes}). Unknown scopes
 * are dropped (RFC 7591 §2 lets the server replace the requested scope). A metadata document
 * client has no shared secret: it is public (`none`) or uses `private_key_jwt`. Key metadata
 * (`jwks`, `jwks_uri`) follows `validateClientKeys`; `rules` says whether a loopback
 * `jwks_uri` is allowed.
 */
export function validateClientMetadata(
  raw: Record<string, unknown>,
  source: ClientMetadataSource,
  scopesSupported: readonly string[],
  rules: ClientKeyRules = {},
): ClientMetadata {
  const grantTypes = stringArray(raw, 'grant_types') ?? ['authorization_code'];
  const interactive = grantTypes.includes('authorization_code');
  const redirectUris = stringArray(raw, 'redirect_uris') ?? (interactive ? undefined : []);
  if (!redirectUris || (interactive && redirectUris.length === 0)) {
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
      'token_endpoint_auth_method must be none, client_secret_basic, client_secret_post or private_key_jwt',
    );
  }
  if (source === 'metadata-document' && method !== 'none' && method !== 'private_key_jwt') {
    throw new InvalidClientMetadataError(
      'A client metadata document client must use token_endpoint_auth_method none or private_key_jwt',
    );
  }
  checkGrantTypes(grantTypes, method as TokenEndpointAuthMethod);
  const responseTypes = stringArray(raw, 'response_types') ?? (interactive ? ['code'] : []);
  if (
    interactive
      ? responseTypes.length !== 1 || responseTypes[0] !== 'code'
      : responseTypes.length !== 0
  ) {
    throw new InvalidClientMetadataError(
      interactive
        ? 'response_types must be ["code"]'
        : 'response_types must be [] without authorization_code',
    );
  }
  const keys = validateClientKeys(raw, method as TokenEndpointAuthMethod, rules);
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
    ...keys,
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
 * private-use scheme, `web` ones `https` on a non-loopback host; anything else
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

/**
 * `grant_types`: only `authorization_code`, `refresh_token` and `client_credentials`; at least
 * one of `authorization_code` and `client_credentials`; `client_credentials` only for a
 * confidential client (a secret or `private_key_jwt`, never `none`). Whether a registered
 * client may actually use `client_credentials` is the server's decision (registration refuses
 * it unless `clientCredentials.allowDynamicClients` is set).
 */
function checkGrantTypes(grantTypes: readonly string[], method: TokenEndpointAuthMethod): void {
  if (grantTypes.length === 0 || grantTypes.some((g) => !GRANT_TYPES.includes(g))) {
    throw new InvalidClientMetadataError(
      'grant_types may only hold authorization_code, refresh_token, client_credentials, jwt-bearer (ID-JAG) and token-exchange',
    );
  }
  const machine = grantTypes.some((g) => NON_INTERACTIVE.includes(g));
  if (!grantTypes.includes('authorization_code') && !machine) {
    throw new InvalidClientMetadataError(
      'grant_types must include authorization_code, client_credentials, jwt-bearer or token-exchange',
    );
  }
  if (machine && method === 'none') {
    throw new InvalidClientMetadataError(
      'client_credentials, jwt-bearer and token-exchange need a confidential client (client_secret_basic, client_secret_post or private_key_jwt)',
    );
  }
}
