import type { Identity } from '../../domain/identity.js';
import {
  InvalidGrantError,
  InvalidScopeError,
  InvalidTargetError,
  UnauthorizedClientError,
} from '../../errors/oauth-error.js';
import type { JwtPayload } from '../../jwt/types.js';
import type { Store } from '../../store/store.js';
import type { DpopBinding } from '../../tokens/dpop.js';
import type { TokenService } from '../../tokens/types.js';
import {
  assertionResources,
  assertionScopes,
  type CompiledIdentityProvider,
  consumeIdentityAssertion,
  verifyIdentityAssertion,
} from '../identity-assertion.js';
import type { ClientRecord } from '../types.js';
import { grantableForClient } from '../grantable.js';
import { optionalScopes, requiredParam } from './params.js';
import type { GrantHandler } from './types.js';

/** A protected resource a grant can issue tokens for, with its scope rules. */
export interface GrantResource {
  /** The resource URL: the tokens' `aud`. */
  readonly url: string;
  /** Scopes offered and accepted for it (empty: any). */
  scopesSupported(): readonly string[];
  /** Scopes granted when neither the request nor the client names any. */
  readonly defaultScopes: readonly string[] | undefined;
  /** Whether `granted` covers `scope` (the policy's hierarchy and wildcards). */
  coversScope(granted: readonly string[], scope: string): boolean;
}

/** What {@link jwtBearerGrant} needs. */
export interface JwtBearerGrantDeps {
  /** Our issuer identifier: the assertion's `aud`. */
  readonly issuer: string;
  /** The trusted IdPs, by issuer. */
  readonly idps: ReadonlyMap<string, CompiledIdentityProvider>;
  /** The protected resources, in configured order. */
  readonly resources: readonly GrantResource[];
  /** Where used assertion `jti`s are remembered. */
  readonly store: Store;
  readonly now: () => number;
}

// The resource the token is for: named by the assertion (required by the MCP extension), and by
// the request's `resource` when sent (RFC 8707); it must be one of ours.
function pickResource(
  resources: readonly GrantResource[],
  asserted: readonly string[] | undefined,
  requested: string | undefined,
): GrantResource {
  if (asserted === undefined) throw new InvalidGrantError('The assertion resource is missing');
  if (requested !== undefined) {
    const match = resources.find((r) => r.url === requested);
    if (match === undefined) throw new InvalidTargetError('The resource is not served here');
    if (!asserted.includes(requested)) {
      throw new InvalidTargetError('The resource is not one the assertion names');
    }
    return match;
  }
  const candidates = resources.filter((r) => asserted.includes(r.url));
  if (candidates.length === 0) {
    throw new InvalidTargetError('The assertion names no resource served here');
  }
  if (candidates.length > 1) {
    throw new InvalidTargetError('The assertion names several resources: send the resource');
  }
  return candidates[0]!;
}

/**
 * Draft §8.5.2: an ID-JAG bound to a key (`cnf.jkt`) is accepted only with a DPoP proof of that
 * key (the token is then bound to it); `authorization_details` (RAR), which this server does not
 * evaluate, is refused rather than ignored (it could only narrow what the IdP granted).
 */
function checkBinding(payload: JwtPayload, dpop: DpopBinding | undefined): void {
  if (payload.authorization_details !== undefined) {
    throw new InvalidGrantError('The assertion carries authorization_details, not supported here');
  }
  const { cnf } = payload;
  if (cnf === undefined) return;
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
  if (typeof jkt !== 'string') throw new InvalidGrantError('The assertion cnf is invalid');
  if (dpop === undefined) {
    throw new InvalidGrantError('Proof of possession is required for this assertion');
  }
  if (dpop.jkt !== jkt) {
    throw new InvalidGrantError('The DPoP key is not the one the assertion is bound to');
  }
}

/**
 * The scopes granted (RFC 6749 §3.3: the server may issue fewer than requested): the request's
 * (each must be a scope of the resource, else `invalid_scope`), else the IdP's `scope` claim,
 * else the client's registered scopes, else the defaults — then only those the client
 * registered, the IdP's `scope` claim allows (draft §4.4.1: the IdP's decision bounds the
 * grant) and the user may be granted (as on the consent page). Nothing left is `invalid_scope`;
 * a scope past any of them is dropped, never granted.
 */
function grantScopes(
  target: GrantResource,
  client: ClientRecord,
  identity: Identity,
  allowedByIdp: readonly string[] | undefined,
  requested: readonly string[] | undefined,
): string[] {
  const supported = target.scopesSupported();
  const registered = client.scope?.split(' ').filter(Boolean);
  if (requested !== undefined && supported.length > 0) {
    if (requested.some((s) => !supported.includes(s))) {
      throw new InvalidScopeError('A requested scope is not supported');
    }
  }
  const base = requested ?? allowedByIdp ?? registered ?? target.defaultScopes ?? supported;
  const granted = [...new Set(base)].filter(
    (s) =>
      (supported.length === 0 || supported.includes(s)) &&
      (registered === undefined || registered.includes(s)) &&
      (allowedByIdp === undefined || target.coversScope(allowedByIdp, s)) &&
      target.coversScope(identity.grantableScopes, s),
  );
  if (granted.length === 0) {
    throw new InvalidScopeError('None of the requested scopes may be granted');
  }
  return granted;
}

/**
 * `urn:ietf:params:oauth:grant-type:jwt-bearer` with an Identity Assertion JWT Authorization
 * Grant (draft-ietf-oauth-identity-assertion-authz-grant §4.4; MCP enterprise-managed
 * authorization): the client presents an ID-JAG its enterprise IdP issued for it, and gets an
 * access token for the asserted user without a consent page. Checks, in order: a confidential
 * client; the assertion ({@link verifyIdentityAssertion}: trusted issuer, keys, algorithm,
 * `typ`, `aud` = our issuer, lifetime); `client_id` = the authenticated client
 * (`invalid_grant`); the client allowed for that IdP (`unauthorized_client`); the resource
 * (`invalid_target`); the `jti` single use (a replay: `invalid_grant`); the subject mapped to a
 * user; the scopes. No refresh token (draft §4.4.3): the client presents a new ID-JAG instead.
 */
export function jwtBearerGrant(tokens: TokenService, deps: JwtBearerGrantDeps): GrantHandler {
  return async ({ form, client, resource, dpop }) => {
    if (client.tokenEndpointAuthMethod === 'none') {
      throw new UnauthorizedClientError('Public clients may not use identity assertions');
    }
    const text = requiredParam(form, 'assertion');
    const requested = optionalScopes(form);
    const verified = await verifyIdentityAssertion(text, deps);
    const { idp, assertion, payload } = verified;
    if (assertion.clientId !== client.clientId) {
      throw new InvalidGrantError('The assertion was issued for another client');
    }
    if (idp.clients !== undefined && !idp.clients.has(client.clientId)) {
      throw new UnauthorizedClientError(
        "The client may not present this identity provider's assertions",
      );
    }
    const target = pickResource(deps.resources, assertionResources(payload), resource);
    checkBinding(payload, dpop);
    await consumeIdentityAssertion(deps.store, verified, deps.now());
    const identity = await idp.mapSubject(assertion);
    if (identity === undefined) {
      throw new InvalidGrantError('The assertion subject is not a known user');
    }
    const scopes = grantScopes(target, client, identity, assertionScopes(assertion), requested);
    return tokens.issueAccessTokenForIdentity({
      clientId: client.clientId,
      // mcp_grantable_scopes: what this client may ever get for the user (registration ∩
      // user); the IdP's `scope` claim is not applied: the next assertion may allow more.
      identity: grantableForClient(target, client, identity),
      scopes,
      resource: target.url,
      ...(dpop === undefined ? {} : { dpop }),
    });
  };
}
