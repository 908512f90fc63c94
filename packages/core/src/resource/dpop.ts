import type { AuthContext } from '../domain/auth-context.js';
import {
  InvalidTokenError,
  isOAuthError,
  sanitizeErrorDescription,
} from '../errors/oauth-error.js';
import { createDpopContext, type DpopContext, type ResourceDpopOptions } from '../tokens/dpop.js';
import { MAX_AUTHORIZATION_HEADER_LENGTH } from './bearer.js';
import { buildBearerChallenge, type BearerChallengeOptions } from './challenge.js';

// RFC 9449 §7.1: credentials = "DPoP" 1*SP token68 (same syntax as RFC 6750's b64token).
const DPOP_SCHEME = /^dpop +([A-Za-z0-9\-._~+/]+=*)$/i;
const DPOP_PREFIX = /^\s*dpop(?: |$)/i;

/** DPoP at a resource, checked once (see {@link createResourceDpop}). */
export interface ResourceDpop {
  readonly context: DpopContext;
  /** The configured `htu`; `undefined`: the audience the token was checked for. */
  readonly resourceUrl: string | undefined;
  /** Whether this caller must use DPoP. */
  readonly requiredFor: (auth: AuthContext) => boolean;
  /** `true` when every caller must (the 401 then offers only the DPoP scheme). */
  readonly requiredForAll: boolean;
  /** The `algs` challenge parameter: the accepted algorithms, space-separated. */
  readonly algs: string;
}

/** Checks the guard's `dpop` option once; `undefined` when DPoP is off. */
export function createResourceDpop(
  options: ResourceDpopOptions | undefined,
  where: string,
): ResourceDpop | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${where}: dpop must be an object ({ store, … } or server.dpop)`);
  const context = createDpopContext(options, options.store, options.now ?? Date.now, where);
  const { required = false, resourceUrl } = options;
  if (typeof required !== 'boolean' && typeof required !== 'function')
    throw new TypeError(`${where}: dpop.required must be a boolean or a function of the caller`);
  if (resourceUrl !== undefined && (typeof resourceUrl !== 'string' || !URL.canParse(resourceUrl)))
    throw new TypeError(`${where}: dpop.resourceUrl must be an absolute URL`);
  return {
    context,
    resourceUrl,
    requiredFor: typeof required === 'function' ? required : () => required,
    requiredForAll: required === true,
    algs: context.verifier.algorithms.join(' '),
  };
}

/** True when the `Authorization` header uses the `DPoP` scheme. */
export function usesDpopScheme(authorizationHeader: string | undefined): boolean {
  return (
    typeof authorizationHeader === 'string' &&
    authorizationHeader.length <= MAX_AUTHORIZATION_HEADER_LENGTH &&
    DPOP_PREFIX.test(authorizationHeader)
  );
}

/**
 * The access token of an `Authorization: DPoP <token>` header (RFC 9449 §7.1). Throws
 * `InvalidTokenError` for a header over 8 KiB or a malformed token; never echoes it.
 */
export function extractDpopToken(authorizationHeader: string): string {
  if (authorizationHeader.length > MAX_AUTHORIZATION_HEADER_LENGTH)
    throw new InvalidTokenError('The Authorization header is too large');
  const match = DPOP_SCHEME.exec(authorizationHeader.trim());
  if (match === null) throw new InvalidTokenError('The DPoP credentials are malformed');
  return match[1]!;
}

/** The `cnf.jkt` of a DPoP-bound token (RFC 9449 §6.1), or `undefined` for a Bearer token. */
export function boundThumbprint(auth: AuthContext): string | undefined {
  const cnf = auth.claims.cnf;
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const jkt = (cnf as { jkt?: unknown }).jkt;
  return typeof jkt === 'string' ? jkt : jkt === undefined ? undefined : '';
}

/**
 * True for a DPoP-bound token's context (`cnf.jkt`, RFC 9449 §6.1): such a token must never be
 * accepted as a bearer token (§7.2). For Bearer-only checks outside the guard (the MCP SDK's
 * `requireBearerAuth` with mcp-auth's verifier).
 */
export function isDpopBound(auth: AuthContext): boolean {
  return boundThumbprint(auth) !== undefined;
}

/** Options of {@link buildDpopChallenge}. */
export interface DpopChallengeOptions extends Omit<BearerChallengeOptions, 'error'> {
  /** RFC 9449 §7.1 / RFC 6750 error code; omit without credentials. */
  error?:
    | 'invalid_token'
    | 'invalid_dpop_proof'
    | 'use_dpop_nonce'
    | 'insufficient_scope'
    | undefined;
  /** The accepted proof algorithms, space-separated (the `algs` parameter). */
  algs: string;
}

/**
 * A `WWW-Authenticate` challenge of the `DPoP` scheme (RFC 9449 §7.1):
 * `DPoP error="…", error_description="…", resource_metadata="…", scope="…", algs="…"`. The MCP
 * SDK reads `resource_metadata` and `scope` from it as from a Bearer challenge (SEP-1932).
 */
export function buildDpopChallenge(options: DpopChallengeOptions): string {
  const params: string[] = [];
  if (options.error !== undefined) {
    params.push(`error="${options.error}"`);
    const description =
      options.errorDescription === undefined
        ? ''
        : sanitizeErrorDescription(options.errorDescription);
    if (description) params.push(`error_description="${description}"`);
  }
  // The shared parameters (realm, resource_metadata, scope), quoted as for Bearer.
  const bearer = buildBearerChallenge({
    realm: options.realm,
    resourceMetadataUrl: options.resourceMetadataUrl,
    scope: options.scope,
  });
  if (bearer !== 'Bearer') params.push(bearer.slice('Bearer '.length));
  params.push(`algs="${options.algs.replace(/[^A-Za-z0-9 ]/g, '')}"`);
  return `DPoP ${params.join(', ')}`;
}

/** The DPoP error code of a refusal, for its challenge. */
export function dpopErrorCode(error: unknown): 'invalid_dpop_proof' | 'use_dpop_nonce' | undefined {
  if (!isOAuthError(error)) return undefined;
  return error.code === 'invalid_dpop_proof' || error.code === 'use_dpop_nonce'
    ? error.code
    : undefined;
}

/**
 * The DPoP options of an MCP endpoint mounted with an authorization server: the server's own
 * (`server.dpop`), with the application's `dpopRequired` when given. `dpopRequired` without DPoP
 * on the server is a `TypeError` naming `where` (the adapter's entry point).
 * @internal
 */
export function endpointDpop(
  dpop: ResourceDpopOptions | undefined,
  required: boolean | ((auth: AuthContext) => boolean) | undefined,
  where: string,
): { dpop?: ResourceDpopOptions } {
  if (dpop === undefined) {
    if (required !== undefined && required !== false)
      throw new TypeError(
        `${where}: dpopRequired needs DPoP on the authorization server (createAuthorizationServer({ dpop: true }))`,
      );
    return {};
  }
  return { dpop: required === undefined ? dpop : { ...dpop, required } };
}
