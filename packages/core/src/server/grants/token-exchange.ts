import type { AuthContext } from '../../domain/auth-context.js';
import {
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  isOAuthError,
  UnauthorizedClientError,
} from '../../errors/oauth-error.js';
import { isJwtError } from '../../errors/jwt-error.js';
import { decodeJwt } from '../../jwt/decode.js';
import { checkScopes } from '../../policy/scopes.js';
import { ACCESS_TOKEN_TYPE } from '../../tokens/delegation.js';
import type { TokenService } from '../../tokens/types.js';
import { optionalScopes, requiredParam } from './params.js';
import type { GrantHandler } from './types.js';

/** The `grant_type` of RFC 8693 token exchange. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** One downstream audience of {@link TokenExchangeOptions.audiences}. */
export interface TokenExchangeAudience {
  /** The client ids (your MCP servers) that may exchange a user's token for this audience. */
  clients: readonly string[];
  /**
   * The scopes a token for this audience may carry (each also held by the subject token).
   * Default: any scope of the subject token.
   */
  scopes?: readonly string[];
  /**
   * Lifetime of the tokens for this audience, in seconds; never past the subject token's expiry
   * nor the server's access-token lifetime. Default the server's access-token lifetime.
   */
  accessTokenTtlSeconds?: number;
  /**
   * Which of this server's resources a subject token may be for (its `aud`): with several
   * resources behind one issuer, bind each MCP server to its own callers' tokens — a client
   * listed here then cannot exchange a token a caller presented to another resource. Each must
   * be one of the server's resources. Default: a token for any of them.
   */
  subjectResources?: readonly string[];
}

/**
 * RFC 8693 token exchange for downstream APIs (`AuthorizationServerOptions.tokenExchange`):
 * which audiences exist and who may exchange for each. Nothing is exchangeable unless declared.
 */
export interface TokenExchangeOptions {
  /**
   * The downstream audiences, by the value clients send as `resource` (an absolute URI, e.g.
   * `https://api.example.com/`) or `audience` (RFC 8693 §2.1). Never one of this server's own
   * resources (a token for those comes from the authorization flow).
   */
  audiences: Readonly<Record<string, TokenExchangeAudience>>;
}

/** A declared audience as checked at start-up. */
export interface CompiledAudience {
  readonly clients: ReadonlySet<string>;
  readonly scopes: readonly string[] | undefined;
  readonly ttlSeconds: number | undefined;
  readonly subjectResources: readonly string[] | undefined;
}

/**
 * Checks `tokenExchange` once (a `TypeError` says what to fix): at least one audience, none of
 * them our issuer or one of our resources, each with at least one client.
 */
export function compileTokenExchange(
  options: TokenExchangeOptions,
  own: readonly string[],
): ReadonlyMap<string, CompiledAudience> {
  const where = 'createAuthorizationServer: tokenExchange';
  const audiences = (options as { audiences?: unknown } | null)?.audiences;
  if (typeof audiences !== 'object' || audiences === null || Array.isArray(audiences)) {
    throw new TypeError(
      `${where}.audiences must be an object { [audience]: { clients, scopes? } }`,
    );
  }
  const out = new Map<string, CompiledAudience>();
  for (const [name, entry] of Object.entries(audiences as Record<string, TokenExchangeAudience>)) {
    const at = `${where}.audiences["${name}"]`;
    if (name.length === 0 || name.length > 2000)
      throw new TypeError(`${at}: the audience is empty or too long`);
    if (own.includes(name)) {
      throw new TypeError(
        `${at}: this server's own issuer or resource is not a downstream audience`,
      );
    }
    if (
      typeof entry !== 'object' ||
      entry === null ||
      !Array.isArray(entry.clients) ||
      entry.clients.length === 0 ||
      entry.clients.some((c) => typeof c !== 'string' || c.length === 0)
    ) {
      throw new TypeError(`${at}.clients must list the client ids that may exchange for it`);
    }
    const ttl = entry.accessTokenTtlSeconds;
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1)) {
      throw new TypeError(`${at}.accessTokenTtlSeconds must be a positive integer`);
    }
    const subjects = entry.subjectResources;
    if (
      subjects !== undefined &&
      (!Array.isArray(subjects) ||
        subjects.length === 0 ||
        subjects.some((r) => typeof r !== 'string' || r === own[0] || !own.includes(r)))
    ) {
      throw new TypeError(
        `${at}.subjectResources must list some of this server's resources (${own.slice(1).join(', ')})`,
      );
    }
    out.set(name, {
      clients: new Set(entry.clients),
      scopes: entry.scopes === undefined ? undefined : checkScopes(entry.scopes, `${at}.scopes`),
      ttlSeconds: ttl,
      subjectResources: subjects === undefined ? undefined : [...subjects],
    });
  }
  if (out.size === 0) throw new TypeError(`${where}.audiences must declare at least one audience`);
  return out;
}

// The exchange's target: `resource` or `audience` (one value; both only when equal), declared.
function pickAudience(
  audiences: ReadonlyMap<string, CompiledAudience>,
  resourceParam: string | undefined,
  audienceParam: string | undefined,
): [string, CompiledAudience] {
  // An empty parameter counts as absent (as for every required parameter).
  const resource = resourceParam === '' ? undefined : resourceParam;
  const audience = audienceParam === '' ? undefined : audienceParam;
  if (resource !== undefined && audience !== undefined && resource !== audience) {
    throw new InvalidTargetError('Send one target: resource and audience differ');
  }
  const name = resource ?? audience;
  if (name === undefined) {
    throw new InvalidTargetError('A resource or audience naming a downstream API is required');
  }
  const declared = audiences.get(name);
  if (declared === undefined)
    throw new InvalidTargetError('The audience is not one tokens can be exchanged for');
  return [name, declared];
}

// The subject token is one of ours for one of our resources: the (unverified) `aud` picks which
// resource's verifier checks it — signature, issuer, that audience, expiry, revocation.
async function verifySubject(
  tokens: TokenService,
  resources: readonly string[],
  token: string,
): Promise<AuthContext> {
  let aud: unknown;
  try {
    aud = decodeJwt(token, { maxTokenLength: 16 * 1024 }).payload.aud;
  } catch {
    throw new InvalidGrantError('The subject_token is invalid, expired or revoked');
  }
  const named = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  const resource = resources.find((r) => named.includes(r));
  try {
    return await tokens.createAccessTokenVerifier(resource).verify(token);
  } catch (error) {
    // Store outages stay 503; anything about the token itself is invalid_grant (RFC 8693 §2.2.2).
    if ((isOAuthError(error) && error.code === 'invalid_token') || isJwtError(error)) {
      throw new InvalidGrantError('The subject_token is invalid, expired or revoked');
    }
    throw error;
  }
}

/**
 * `urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693) for downstream APIs: an MCP
 * server (the authenticated client) trades the access token its caller presented — one this
 * server issued, verified and checked for revocation — for a token whose `aud` is a declared
 * downstream audience, narrowed in scope, with `act: { sub: <client id> }` naming the MCP
 * server (nesting any earlier `act`). Checks: `subject_token_type` is an access token, no
 * `actor_token` (the authenticated client is the actor), `requested_token_type` if sent is an
 * access token; the target declared (`invalid_target`); the client declared for it
 * (`unauthorized_client`); the subject token (`invalid_grant`); the scopes ⊆ the subject
 * token's ∩ the audience's (`invalid_scope`). No refresh token.
 */
export function tokenExchangeGrant(
  tokens: TokenService,
  audiences: ReadonlyMap<string, CompiledAudience>,
  coversScope: (granted: readonly string[], scope: string) => boolean,
  resources: readonly string[] = [],
): GrantHandler {
  return async ({ form, client, resource, dpop }) => {
    const subjectToken = requiredParam(form, 'subject_token');
    if (requiredParam(form, 'subject_token_type') !== ACCESS_TOKEN_TYPE) {
      throw new InvalidRequestError('subject_token_type must be an access token');
    }
    if (form.has('actor_token') || form.has('actor_token_type')) {
      throw new InvalidRequestError('actor_token is not supported: the client is the actor');
    }
    const wanted = form.get('requested_token_type');
    if (wanted !== undefined && wanted !== ACCESS_TOKEN_TYPE) {
      throw new InvalidRequestError('requested_token_type must be an access token');
    }
    const requested = optionalScopes(form);
    const [audience, declared] = pickAudience(audiences, resource, form.get('audience'));
    if (!declared.clients.has(client.clientId)) {
      throw new UnauthorizedClientError('The client may not exchange tokens for this audience');
    }
    const subject = await verifySubject(tokens, resources, subjectToken);
    if (
      declared.subjectResources !== undefined &&
      (subject.resource === undefined || !declared.subjectResources.includes(subject.resource))
    ) {
      throw new InvalidGrantError(
        'The subject_token was issued for a resource whose tokens this audience does not take',
      );
    }
    const allowed = (scope: string) =>
      coversScope(subject.scopes, scope) &&
      (declared.scopes === undefined || declared.scopes.includes(scope));
    let scopes: readonly string[];
    if (requested !== undefined) {
      if (!requested.every(allowed)) {
        throw new InvalidScopeError(
          'A requested scope is beyond the subject token or the audience',
        );
      }
      scopes = [...new Set(requested)];
    } else {
      scopes = (declared.scopes ?? subject.scopes).filter(allowed);
    }
    if (scopes.length === 0)
      throw new InvalidScopeError('No scope may be exchanged for this audience');
    return tokens.exchangeAccessToken({
      clientId: client.clientId,
      subject,
      audience,
      scopes,
      ...(declared.ttlSeconds === undefined ? {} : { lifetimeSeconds: declared.ttlSeconds }),
      ...(dpop === undefined ? {} : { dpop }),
    });
  };
}
