import { generateRandomToken } from '../encoding/random.js';
import { signJwt } from '../jwt/index.js';
import type { JwtPayload } from '../jwt/types.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import type { Identity } from '../domain/identity.js';
import { storeCall } from '../store/store.js';
import { CLIENT_SCOPES_CLAIM, GRANTABLE_SCOPES_CLAIM } from './claims.js';
import type { Claims, GrantView, RefreshRecord, TokenContext } from './context.js';
import { STORE_KEYS } from '../store/keys.js';
import type { TokenResponse } from './types.js';

/** Claims the token service sets itself; a claims mapping can never override them. */
export const REGISTERED_ACCESS_TOKEN_CLAIMS: readonly string[] = Object.freeze([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'client_id',
  'scope',
  'mcp_tool_scopes',
  'mcp_grantable_scopes',
  'mcp_client_scopes',
  'mcp_principal',
  'grant_id',
  'azp',
  'cnf',
  'act',
  'may_act',
  'auth_time',
  'acr',
  'amr',
]);
const REGISTERED = new Set(REGISTERED_ACCESS_TOKEN_CLAIMS);

/** Prefix of the scopes that name MCP tools; they are listed again in `mcp_tool_scopes`. */
export const MCP_TOOL_SCOPE_PREFIX = 'mcp:tools:';

/** The application's claims for `identity`, without registered names, as JSON values. */
export function mapClaims(ctx: TokenContext, identity: Identity): Claims {
  const raw = ctx.mapIdentity(identity);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TypeError('createTokenService: the claims mapping must return an object');
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!REGISTERED.has(name) && value !== undefined) out[name] = value;
  }
  // What this user may ever be granted: a resource server answers a refusal no
  // re-authorization could fix inside MCP instead of with a 403 step-up that would loop.
  out[GRANTABLE_SCOPES_CLAIM] = [...new Set(identity.grantableScopes)].sort();
  if (identity.clientScopes !== undefined)
    out[CLIENT_SCOPES_CLAIM] = [...new Set(identity.clientScopes)].sort();
  try {
    return JSON.parse(JSON.stringify(out)) as Claims;
  } catch {
    throw new TypeError(
      'createTokenService: the claims mapping must return JSON-compatible values',
    );
  }
}

/**
 * The token response for `grant`: a signed RFC 9068 `at+jwt` with `scopes` and, when
 * `issueRefreshToken`, a new refresh token of the grant (stored only as its hash). `accessTtl`
 * (seconds) shortens the access token's life below the configured one (token exchange).
 */
export async function mint(
  ctx: TokenContext,
  grant: GrantView,
  scopes: readonly string[],
  issueRefreshToken: boolean,
  accessTtl: number = ctx.accessTtl,
): Promise<TokenResponse> {
  const { store, refreshTtl } = ctx;
  const nowMs = ctx.now();
  const iat = Math.floor(nowMs / 1000);
  const payload: JwtPayload = {
    ...grant.claims,
    iss: ctx.issuer,
    sub: grant.sub,
    aud: grant.resource,
    exp: iat + accessTtl,
    iat,
    jti: generateRandomToken(16),
    client_id: grant.clientId,
    scope: scopes.join(' '),
    mcp_tool_scopes: scopes.filter((s) => s.startsWith(MCP_TOOL_SCOPE_PREFIX)),
    grant_id: grant.grantId,
    // RFC 9449 §6.1: a DPoP-bound token names the thumbprint of the proof's key.
    ...(grant.dpop === undefined ? {} : { cnf: { jkt: grant.dpop.jkt } }),
  };
  const accessToken = await signJwt(payload, ctx.signingKey, { typ: 'at+jwt' });
  const response: TokenResponse = {
    access_token: accessToken,
    token_type: grant.dpop === undefined ? 'Bearer' : 'DPoP',
    expires_in: accessTtl,
    scope: scopes.join(' '),
  };
  if (issueRefreshToken) {
    const refreshToken = generateRandomToken(32);
    const hash = await sha256Base64Url(refreshToken);
    const record: RefreshRecord = {
      grantId: grant.grantId,
      clientId: grant.clientId,
      sub: grant.sub,
      scopes: [...grant.grantScopes],
      resource: grant.resource,
      claims: grant.claims,
      expiresAt: nowMs + refreshTtl * 1000,
      hasUpstream: grant.hasUpstream,
      // RFC 9449 §5: a public client's refresh token is bound to the key of its proof.
      ...(grant.dpop?.bindRefreshToken === true ? { dpopJkt: grant.dpop.jkt } : {}),
    };
    await storeCall(
      Promise.all([
        store.set(STORE_KEYS.refresh(hash), record, refreshTtl * 1000),
        store.set(STORE_KEYS.refreshGrant(hash), grant.grantId, refreshTtl * 1000),
      ]),
    );
    response.refresh_token = refreshToken;
  }
  return response;
}
