/**
 * Trusted enterprise identity providers and the Identity Assertion JWT Authorization Grant
 * (ID-JAG, draft-ietf-oauth-identity-assertion-authz-grant; the MCP extension
 * `io.modelcontextprotocol/enterprise-managed-authorization`): which IdPs are trusted, with
 * which keys, for which clients, and how an asserted subject becomes one of our users.
 */
import type { Identity } from '../domain/identity.js';
import { isJwtError, type JwtError } from '../errors/jwt-error.js';
import { InvalidGrantError, ServerError } from '../errors/oauth-error.js';
import { DEFAULT_ASSERTION_ALGORITHMS, verifyJwtAssertion } from '../jwt/assertion.js';
import { parseCompactJws } from '../jwt/decode.js';
import type { Jwks } from '../jwt/keys.js';
import type { JwsAlgorithm, JwtPayload } from '../jwt/types.js';
import type { KeySet } from '../jwt/verify.js';
import { checkOutboundUrl, isHttpsOrLoopbackUrl } from '../net/host.js';
import { checkScopes } from '../policy/scopes.js';
import type { Store } from '../store/store.js';
import { consumeAssertionJti, createJwksKeySource } from './client-assertion.js';
import { identityFromMapping, type MappedIdentity } from './identity/upstream-provider.js';
import type { IdentityProvider } from './types.js';

/** The `grant_type` of RFC 7523 JWT authorization grants, which carries an ID-JAG. */
export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** The `typ` header every ID-JAG carries. */
export const ID_JAG_TYP = 'oauth-id-jag+jwt';
/** The RFC 8414 `authorization_grant_profiles_supported` value of the ID-JAG profile. */
export const ID_JAG_GRANT_PROFILE = 'urn:ietf:params:oauth:grant-profile:id-jag';

/** What a trusted IdP asserted about the user, handed to {@link TrustedIdentityProvider.mapSubject}. */
export interface IdentityAssertion {
  /** The IdP's issuer identifier (`iss`). */
  readonly issuer: string;
  /** The user's identifier at the IdP (`sub`); unique per issuer (and `tenant`, when present). */
  readonly subject: string;
  /** The client the IdP issued the assertion for (`client_id`), already checked to be the caller. */
  readonly clientId: string;
  /** The scopes the IdP's policy allowed (`scope`), when it said. */
  readonly scope: string | undefined;
  /** Every verified claim (`email`, `tenant`, `aud_sub`, `amr`, …). */
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * An enterprise identity provider whose ID-JAGs this authorization server accepts
 * (`AuthorizationServerOptions.trustedIdentityProviders`). Its keys come from `jwks` (the
 * document) or `jwksUri` (fetched with the outbound rules of Client ID Metadata Documents:
 * https, no private or loopback address, size and time caps).
 */
export interface TrustedIdentityProvider {
  /** The IdP's issuer identifier: the assertion's `iss`, compared exactly. */
  issuer: string;
  /** The IdP's public signing keys, a JWKS document (give this or `jwksUri`). */
  jwks?: Jwks;
  /** The URL of the IdP's JWKS (give this or `jwks`). */
  jwksUri?: string;
  /**
   * Accepted signing algorithms. Default every asymmetric one (`RS256`, `PS256`, `ES256`,
   * `ES384`, `EdDSA`); `none` and `HS*` are never accepted.
   */
  algorithms?: readonly JwsAlgorithm[];
  /**
   * The client ids that may present this IdP's assertions. Default: every client registered for
   * the `urn:ietf:params:oauth:grant-type:jwt-bearer` grant type (only configured clients can
   * be). Public clients never may (draft §8.1).
   */
  clients?: readonly string[];
  /**
   * Maps the asserted user to one of ours: `sub`, attributes, the scopes they may be granted
   * (the same {@link MappedIdentity} as `UpstreamOAuthProvider.mapIdentity`). `undefined`
   * refuses the assertion (`invalid_grant`). Default, with `DevIdentityProvider`: the
   * assertion's `sub` names the local user with that `sub`.
   */
  mapSubject?: (
    assertion: IdentityAssertion,
  ) => MappedIdentity | undefined | Promise<MappedIdentity | undefined>;
  /** The longest an assertion may still be valid (`exp` − now), in seconds. Default 300. */
  maxAssertionLifetimeSeconds?: number;
  /** Allow an `http://` loopback `jwksUri` (tests and local development only). Default `false`. */
  allowInsecureLoopback?: boolean;
  /** The fetch for `jwksUri`. Default: the address-checking outbound fetch (Node), else `fetch`. */
  fetch?: typeof fetch;
}

/** A trusted IdP as checked at start-up. */
export interface CompiledIdentityProvider {
  readonly issuer: string;
  readonly keys: KeySet;
  readonly algorithms: readonly JwsAlgorithm[];
  readonly clients: ReadonlySet<string> | undefined;
  readonly maxLifetimeSeconds: number;
  readonly mapSubject: (assertion: IdentityAssertion) => Promise<Identity | undefined>;
}

/** An ID-JAG that verified, with the IdP that signed it. */
export interface VerifiedIdentityAssertion {
  readonly idp: CompiledIdentityProvider;
  readonly assertion: IdentityAssertion;
  readonly payload: JwtPayload;
}

const WHERE = 'createAuthorizationServer: trustedIdentityProviders';
const CLOCK_TOLERANCE = 30;
const MAX_ASSERTION_LENGTH = 16 * 1024;

interface SubjectLookup {
  identityForSubject(subject: string): Promise<Identity | undefined>;
}

function hasSubjectLookup(provider: unknown): provider is SubjectLookup {
  return typeof (provider as Partial<SubjectLookup> | null)?.identityForSubject === 'function';
}

// The mapping's answer, checked: a bad one is the application's bug (500), never a token.
function toIdentity(mapped: MappedIdentity): Identity {
  const identity = identityFromMapping(mapped);
  if (identity === undefined) {
    throw new ServerError('The identity mapping of the trusted identity provider failed');
  }
  return identity;
}

function checkJwks(jwks: unknown, at: string): Jwks {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(keys) || keys.length === 0) {
    throw new TypeError(`${at}.jwks must be a JWKS ({ keys: [...] }) with at least one key`);
  }
  for (const key of keys as unknown[]) {
    const k = key as Record<string, unknown> | null;
    if (typeof k !== 'object' || k === null || typeof k.kty !== 'string') {
      throw new TypeError(`${at}.jwks holds an entry that is not a JWK`);
    }
    if (k.kty === 'oct') {
      throw new TypeError(`${at}.jwks must hold public keys only (a secret "oct" key is refused)`);
    }
    if ('d' in k || 'p' in k || 'q' in k) {
      throw new TypeError(`${at}.jwks must hold public keys only (this one has private members)`);
    }
  }
  return jwks as Jwks;
}

function checkAlgorithms(value: unknown, at: string): readonly JwsAlgorithm[] {
  if (value === undefined) return DEFAULT_ASSERTION_ALGORITHMS;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((a) => !(DEFAULT_ASSERTION_ALGORITHMS as readonly unknown[]).includes(a))
  ) {
    throw new TypeError(
      `${at}.algorithms must list asymmetric algorithms (${DEFAULT_ASSERTION_ALGORITHMS.join(', ')}); never none or HS*`,
    );
  }
  return Object.freeze([...value]) as readonly JwsAlgorithm[];
}

function compileOne(
  entry: TrustedIdentityProvider,
  at: string,
  provider: IdentityProvider,
): CompiledIdentityProvider {
  if (typeof entry !== 'object' || entry === null) {
    throw new TypeError(
      `${at} must be an object { issuer, jwks | jwksUri, clients?, mapSubject? }`,
    );
  }
  const { issuer } = entry;
  if (
    typeof issuer !== 'string' ||
    !URL.canParse(issuer) ||
    !isHttpsOrLoopbackUrl(new URL(issuer))
  ) {
    throw new TypeError(`${at}.issuer must be the IdP's issuer URL (https)`);
  }
  if ((entry.jwks === undefined) === (entry.jwksUri === undefined)) {
    throw new TypeError(`${at}: give exactly one of jwks and jwksUri`);
  }
  const allowInsecureLoopback = entry.allowInsecureLoopback === true;
  if (entry.jwksUri !== undefined) {
    const url =
      typeof entry.jwksUri === 'string' && URL.canParse(entry.jwksUri)
        ? new URL(entry.jwksUri)
        : undefined;
    const problem =
      url === undefined ? 'is not a URL' : checkOutboundUrl(url, { allowInsecureLoopback });
    if (problem !== undefined) throw new TypeError(`${at}.jwksUri ${problem}`);
  }
  const keys = createJwksKeySource(
    entry.jwks !== undefined ? { jwks: checkJwks(entry.jwks, at) } : { jwksUri: entry.jwksUri! },
    { allowInsecureLoopback, ...(entry.fetch === undefined ? {} : { fetch: entry.fetch }) },
  );
  let clients: ReadonlySet<string> | undefined;
  if (entry.clients !== undefined) {
    if (
      !Array.isArray(entry.clients) ||
      entry.clients.some((c) => typeof c !== 'string' || c === '')
    ) {
      throw new TypeError(`${at}.clients must be an array of client ids`);
    }
    clients = new Set(entry.clients);
  }
  const lifetime = entry.maxAssertionLifetimeSeconds ?? 300;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > 3600) {
    throw new TypeError(`${at}.maxAssertionLifetimeSeconds must be an integer from 1 to 3600`);
  }
  const { mapSubject } = entry;
  if (mapSubject !== undefined && typeof mapSubject !== 'function') {
    throw new TypeError(`${at}.mapSubject must be a function (assertion) => identity`);
  }
  if (mapSubject === undefined && !hasSubjectLookup(provider)) {
    throw new TypeError(
      `${at}.mapSubject is required: this identity provider cannot look a user up by subject`,
    );
  }
  return {
    issuer,
    keys,
    algorithms: checkAlgorithms(entry.algorithms, at),
    clients,
    maxLifetimeSeconds: lifetime,
    mapSubject: async (assertion) => {
      if (mapSubject === undefined) {
        return (provider as unknown as SubjectLookup).identityForSubject(assertion.subject);
      }
      const mapped = await mapSubject(assertion);
      return mapped === undefined ? undefined : toIdentity(mapped);
    },
  };
}

/**
 * Checks `trustedIdentityProviders` once, at start-up (a `TypeError` names the entry and what to
 * fix): issuers distinct, exactly one of `jwks` (public keys only) and `jwksUri` (an allowed
 * outbound URL), algorithms asymmetric, a subject mapping available.
 */
export function compileTrustedIdentityProviders(
  list: readonly TrustedIdentityProvider[],
  provider: IdentityProvider,
): ReadonlyMap<string, CompiledIdentityProvider> {
  if (!Array.isArray(list)) throw new TypeError(`${WHERE} must be an array`);
  const out = new Map<string, CompiledIdentityProvider>();
  list.forEach((entry, i) => {
    const compiled = compileOne(entry, `${WHERE}[${i}]`, provider);
    if (out.has(compiled.issuer)) throw new TypeError(`${WHERE}[${i}].issuer is listed twice`);
    out.set(compiled.issuer, compiled);
  });
  return out;
}

function describe(error: JwtError): string {
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return 'The assertion has expired';
    case 'ERR_JWT_NOT_YET_VALID':
      return 'The assertion is not valid yet';
    case 'ERR_JWT_ALG_NOT_ALLOWED':
      return 'The assertion algorithm is not accepted';
    case 'ERR_JWT_KEY_NOT_FOUND':
      return 'No key of the identity provider matches the assertion';
    case 'ERR_JWT_SIGNATURE_INVALID':
      return 'The assertion signature is invalid';
    case 'ERR_JWKS_FETCH_FAILED':
    case 'ERR_JWK_INVALID':
      return "The identity provider's keys could not be used";
    case 'ERR_JWT_CLAIM_INVALID':
      return `The assertion ${error.claim ?? 'claims'} is invalid`;
    default:
      return 'The assertion is malformed';
  }
}

function refuse(error: unknown): never {
  if (isJwtError(error)) throw new InvalidGrantError(describe(error), { cause: error });
  throw error;
}

/**
 * Verifies an ID-JAG (draft §4.4.1 and RFC 7521 §5.2): the issuer picks the trusted IdP (an
 * unknown one is refused before any key is used), then `verifyJwtAssertion` checks the
 * algorithm, signature, `typ: oauth-id-jag+jwt`, `iss`, `aud`, `exp` (bounded), `iat` and
 * `jti`; `aud` must be exactly our issuer (a string, or an array of that one element);
 * `sub` and `client_id` must be strings. Every refusal is `invalid_grant` with a description
 * naming the check, never the assertion. The `jti` is not consumed here (see
 * {@link consumeIdentityAssertion}).
 */
export async function verifyIdentityAssertion(
  token: string,
  context: {
    readonly issuer: string;
    readonly idps: ReadonlyMap<string, CompiledIdentityProvider>;
    readonly now: () => number;
  },
): Promise<VerifiedIdentityAssertion> {
  let iss: unknown;
  try {
    iss = parseCompactJws(token, MAX_ASSERTION_LENGTH).payload.iss;
  } catch (error) {
    refuse(error);
  }
  const idp = typeof iss === 'string' ? context.idps.get(iss) : undefined;
  if (idp === undefined) throw new InvalidGrantError('The assertion issuer is not trusted');
  let payload: JwtPayload;
  try {
    ({ payload } = await verifyJwtAssertion(token, idp.keys, {
      issuer: idp.issuer,
      audience: context.issuer,
      typ: ID_JAG_TYP,
      algorithms: idp.algorithms,
      maxLifetimeSeconds: idp.maxLifetimeSeconds,
      clockTolerance: CLOCK_TOLERANCE,
      requiredClaims: ['sub', 'iat', 'client_id'],
      maxTokenLength: MAX_ASSERTION_LENGTH,
      now: context.now,
    }));
  } catch (error) {
    refuse(error);
  }
  const { aud, sub, client_id: clientId, scope } = payload;
  // Draft §4.4.1: a string, or an array of exactly one element, naming our issuer.
  const audOk =
    aud === context.issuer || (Array.isArray(aud) && aud.length === 1 && aud[0] === context.issuer);
  if (!audOk) throw new InvalidGrantError('The assertion aud is invalid');
  if (typeof sub !== 'string' || sub.length === 0) {
    throw new InvalidGrantError('The assertion sub is invalid');
  }
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new InvalidGrantError('The assertion client_id is invalid');
  }
  if (scope !== undefined && typeof scope !== 'string') {
    throw new InvalidGrantError('The assertion scope is invalid');
  }
  return {
    idp,
    payload,
    assertion: Object.freeze({
      issuer: idp.issuer,
      subject: sub,
      clientId,
      scope,
      claims: Object.freeze({ ...payload }),
    }),
  };
}

/**
 * Marks the ID-JAG's `jti` used: single use through the store, durable until the assertion
 * expires (a full store refuses: 503). A replay is `invalid_grant`.
 */
export async function consumeIdentityAssertion(
  store: Store,
  verified: VerifiedIdentityAssertion,
  nowMs: number,
): Promise<void> {
  const first = await consumeAssertionJti(store, {
    kind: 'id-jag',
    issuer: verified.idp.issuer,
    jti: verified.payload.jti as string,
    expiresAt: verified.payload.exp as number,
    clockTolerance: CLOCK_TOLERANCE,
    nowMs,
  });
  if (!first) throw new InvalidGrantError('The assertion was already used');
}

/** The resource identifiers of the assertion's `resource` claim (a URI or an array of URIs). */
export function assertionResources(payload: JwtPayload): readonly string[] | undefined {
  const { resource } = payload;
  if (typeof resource === 'string') return [resource];
  if (
    Array.isArray(resource) &&
    resource.length > 0 &&
    resource.every((r) => typeof r === 'string')
  ) {
    return resource as string[];
  }
  return undefined;
}

/** The scopes of the assertion's `scope` claim, `undefined` when absent; malformed → invalid_grant. */
export function assertionScopes(assertion: IdentityAssertion): readonly string[] | undefined {
  if (assertion.scope === undefined) return undefined;
  const list = assertion.scope.split(' ').filter(Boolean);
  try {
    return checkScopes(list, 'scope');
  } catch {
    throw new InvalidGrantError('The assertion scope is invalid');
  }
}
