import { generateRandomToken } from '../encoding/random.js';
import { InvalidGrantError } from '../errors/oauth-error.js';
import { checkScopes } from '../policy/scopes.js';
import type { StoreValue } from '../store/store.js';
import type { Claims, TokenContext } from './context.js';
import { mapClaims, mint, REGISTERED_ACCESS_TOKEN_CLAIMS } from './mint.js';
import { PRINCIPAL_CLAIM } from './claims.js';
import type {
  ExchangeAccessTokenInput,
  IssueAccessTokenForIdentityInput,
  TokenResponse,
} from './types.js';

/** RFC 8693 §3: the token type URI of an OAuth access token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

const REGISTERED = new Set(REGISTERED_ACCESS_TOKEN_CLAIMS);

function nonEmpty(value: unknown, name: string, where: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${where}: ${name} must be a non-empty string`);
  }
  return value;
}

/**
 * An access token for a user the server did not sign in itself: an identity an enterprise IdP
 * asserted (ID-JAG, `urn:ietf:params:oauth:grant-type:jwt-bearer`). A new grant of its own, no
 * refresh token (the draft: the assertion replaces it). Inputs come from the grant handler,
 * already checked against the assertion and the policy: a bad one is a TypeError.
 */
export async function issueAccessTokenForIdentity(
  ctx: TokenContext,
  input: IssueAccessTokenForIdentityInput,
): Promise<TokenResponse> {
  const where = 'issueAccessTokenForIdentity';
  const clientId = nonEmpty(input?.clientId, 'clientId', where);
  const resource = nonEmpty(input.resource, 'resource', where);
  if (!URL.canParse(resource)) throw new TypeError(`${where}: resource must be an absolute URL`);
  const sub = nonEmpty(input.identity?.sub, 'identity.sub', where);
  const scopes = checkScopes(input.scopes, `${where}: scopes`);
  return mint(
    ctx,
    {
      grantId: generateRandomToken(16),
      clientId,
      sub,
      grantScopes: scopes,
      resource,
      claims: mapClaims(ctx, input.identity),
      hasUpstream: false,
      dpop: input.dpop,
    },
    scopes,
    false,
  );
}

/**
 * RFC 8693 token exchange: a token for `audience` on behalf of the subject token's user, acted
 * on by `clientId` (the `act` claim, nesting any `act` the subject token had, §4.1). The user's
 * own claims travel on; registered ones are set anew. It belongs to the subject token's grant
 * (revoking the grant revokes it), has no refresh token, and never outlives the subject token.
 */
export async function exchangeAccessToken(
  ctx: TokenContext,
  input: ExchangeAccessTokenInput,
): Promise<TokenResponse> {
  const where = 'exchangeAccessToken';
  const clientId = nonEmpty(input?.clientId, 'clientId', where);
  const audience = nonEmpty(input.audience, 'audience', where);
  const subject = input.subject;
  const sub = nonEmpty(subject?.userId, 'subject.userId', where);
  const scopes = checkScopes(input.scopes, `${where}: scopes`);
  const nowSeconds = Math.floor(ctx.now() / 1000);
  const remaining =
    subject.expiresAt === undefined ? ctx.accessTtl : Math.floor(subject.expiresAt - nowSeconds);
  const lifetime = Math.min(ctx.accessTtl, input.lifetimeSeconds ?? ctx.accessTtl, remaining);
  if (!(lifetime >= 1)) throw new InvalidGrantError('The subject_token is about to expire');
  const claims: Record<string, StoreValue> = {};
  for (const [name, value] of Object.entries(subject.claims)) {
    if (!REGISTERED.has(name) && value !== undefined) claims[name] = value as StoreValue;
  }
  // A machine client's token stays a machine principal's (mcp_principal is registered, so the
  // loop above dropped it; it is the subject's, not set by any mapping).
  if (subject.claims[PRINCIPAL_CLAIM] === 'client') claims[PRINCIPAL_CLAIM] = 'client';
  const prior = subject.claims.act;
  claims.act =
    typeof prior === 'object' && prior !== null && !Array.isArray(prior)
      ? { sub: clientId, act: prior as StoreValue }
      : { sub: clientId };
  const response = await mint(
    ctx,
    {
      grantId: subject.grantId ?? generateRandomToken(16),
      clientId,
      sub,
      grantScopes: scopes,
      resource: audience,
      claims: JSON.parse(JSON.stringify(claims)) as Claims,
      hasUpstream: false,
      dpop: input.dpop,
    },
    scopes,
    false,
    lifetime,
  );
  return { ...response, issued_token_type: ACCESS_TOKEN_TYPE };
}
