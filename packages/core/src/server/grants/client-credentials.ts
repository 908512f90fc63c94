import {
  InvalidScopeError,
  InvalidTargetError,
  UnauthorizedClientError,
} from '../../errors/oauth-error.js';
import type { TokenService } from '../../tokens/types.js';
import type { ClientRecord } from '../types.js';
import { optionalScopes } from './params.js';
import type { GrantHandler } from './types.js';

/** Options of the client credentials grant (`AuthorizationServerOptions.clientCredentials`). */
export interface ClientCredentialsOptions {
  /**
   * Whether a client that registered itself (RFC 7591) or is described by a Client ID Metadata
   * Document may use the client credentials grant. Called at every token request with the
   * client's record; only `true` allows it. Default: never — an anonymous registration never
   * yields a machine token, and registration refuses `client_credentials` in `grant_types`
   * (`invalid_client_metadata`) while this is unset. Clients configured in code (`clients`)
   * need no hook: listing `client_credentials` in their `grantTypes` is the server's decision.
   */
  allowDynamicClients?: (client: ClientRecord) => boolean | Promise<boolean>;
}

/** A protected resource as the grant needs it: its URL (the `aud`) and its scopes. */
export interface ClientCredentialsResource {
  readonly url: string;
  readonly scopesSupported: () => readonly string[];
}

/** What {@link clientCredentialsGrant} needs besides the token service. */
export interface ClientCredentialsDeps {
  /** The server's protected resources; the RFC 8707 `resource` parameter picks one. */
  readonly resources: readonly ClientCredentialsResource[];
  readonly options: ClientCredentialsOptions;
}

// `offline_access` asks for a refresh token, which this grant never issues.
const NOT_FOR_MACHINES = new Set(['offline_access']);

/** The resource a request names (or the only one); `invalid_target` otherwise. */
function pickResource(
  resources: readonly ClientCredentialsResource[],
  requested: string | undefined,
): ClientCredentialsResource {
  if (requested === undefined) {
    const [only] = resources;
    if (resources.length === 1 && only !== undefined) return only;
    throw new InvalidTargetError('The resource parameter is required');
  }
  const found = resources.find((r) => r.url === requested);
  if (found === undefined) throw new InvalidTargetError('Unknown resource');
  return found;
}

/**
 * The scopes of a client credentials token: the requested ones that are within what the client
 * may hold (its registered `scope`, else every scope of the resource) — RFC 6749 §3.3 lets the
 * server grant less than asked, and the response's `scope` says what was granted (MCP clients
 * ask for every scope the resource advertises). A request none of whose scopes the client may
 * hold is `invalid_scope`; no `scope` → everything the client may hold. A scope beyond the
 * client's is never granted; `offline_access` is dropped (no refresh token).
 */
function grantScopes(
  client: ClientRecord,
  resource: ClientCredentialsResource,
  requested: readonly string[] | undefined,
): { scopes: string[]; allowed: string[] } {
  const supported = resource.scopesSupported();
  const registered = client.scope?.split(' ').filter((s) => s.length > 0);
  const allowed = (registered ?? [...supported]).filter(
    (s) => !NOT_FOR_MACHINES.has(s) && (supported.length === 0 || supported.includes(s)),
  );
  if (requested === undefined) return { scopes: [...new Set(allowed)], allowed };
  const wanted = [...new Set(requested)].filter((s) => !NOT_FOR_MACHINES.has(s));
  const granted = wanted.filter((s) => allowed.includes(s));
  if (wanted.length > 0 && granted.length === 0) {
    throw new InvalidScopeError('None of the requested scopes may be granted to this client');
  }
  return { scopes: granted, allowed };
}

/**
 * `client_credentials` (OAuth 2.1 §4.2): a machine client, authenticated with a secret or
 * `private_key_jwt` (never a public client), gets an access token for itself — `sub` =
 * `client_id`, `mcp_principal: "client"` — and no refresh token. Static clients listing the
 * grant may use it; registered and metadata-document clients only when
 * `options.allowDynamicClients` says so (else `unauthorized_client`). The token endpoint has
 * already checked that the client registered this grant type.
 */
export function clientCredentialsGrant(
  tokens: TokenService,
  deps: ClientCredentialsDeps,
): GrantHandler {
  return async ({ form, client, resource, dpop }) => {
    if (client.tokenEndpointAuthMethod === 'none') {
      throw new UnauthorizedClientError('A public client cannot use client_credentials');
    }
    if (client.source !== 'static') {
      const allow = deps.options.allowDynamicClients;
      if (allow === undefined || (await allow(client)) !== true) {
        throw new UnauthorizedClientError('This client may not use client_credentials');
      }
    }
    const target = pickResource(deps.resources, resource);
    const { scopes, allowed } = grantScopes(client, target, optionalScopes(form));
    return tokens.issueClientCredentialsToken({
      clientId: client.clientId,
      scopes,
      resource: target.url,
      grantableScopes: allowed,
      ...(dpop === undefined ? {} : { dpop }),
    });
  };
}

/**
 * Whether the server serves the grant at all: a static client lists it, or dynamic clients
 * may be allowed. Otherwise `client_credentials` is neither served nor advertised.
 *
 * @throws TypeError when `options.allowDynamicClients` is set but not a function.
 */
export function clientCredentialsEnabled(
  staticGrantTypes: readonly (readonly string[] | undefined)[],
  options: ClientCredentialsOptions | undefined,
): boolean {
  if (
    options?.allowDynamicClients !== undefined &&
    typeof options.allowDynamicClients !== 'function'
  ) {
    throw new TypeError(
      'createAuthorizationServer: clientCredentials.allowDynamicClients must be a function (client) => boolean',
    );
  }
  return (
    options?.allowDynamicClients !== undefined ||
    staticGrantTypes.some((grants) => grants?.includes('client_credentials') === true)
  );
}
