import { generateRandomToken } from '../encoding/random.js';
import {
  InvalidGrantError,
  InvalidRequestError,
  InvalidTargetError,
} from '../errors/oauth-error.js';
import {
  isSha256Base64Url,
  isValidCodeVerifier,
  isValidS256Challenge,
  verifyPkce,
} from '../pkce.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import { checkScopes } from '../policy/scopes.js';
import { type StoreValue, storeCall } from '../store/store.js';
import { type CodeRecord, invalidCode, MAX_OPAQUE_LENGTH, type TokenContext } from './context.js';
import { mapClaims, mint } from './mint.js';
import { revokeGrant } from './revocation.js';
import { STORE_KEYS } from '../store/keys.js';
import type {
  IssueAuthorizationCodeInput,
  RedeemAuthorizationCodeInput,
  TokenResponse,
} from './types.js';
import { sealUpstream } from './upstream.js';
import { registerGrant } from './grant-index.js';

/**
 * Issues a single-use authorization code (stored only as its hash) for a new grant. Its
 * inputs come from the authorization server, not the client: a bad one is a TypeError.
 */
export async function issueAuthorizationCode(
  ctx: TokenContext,
  input: IssueAuthorizationCodeInput,
): Promise<string> {
  const where = 'issueAuthorizationCode';
  if (typeof input?.clientId !== 'string' || input.clientId.length === 0) {
    throw new TypeError(`${where}: clientId must be a non-empty string`);
  }
  if (typeof input.redirectUri !== 'string' || input.redirectUri.length === 0) {
    throw new TypeError(`${where}: redirectUri must be a non-empty string`);
  }
  if (input.codeChallengeMethod !== 'S256' || !isValidS256Challenge(input.codeChallenge)) {
    throw new TypeError(`${where}: an S256 code challenge (43 base64url characters) is required`);
  }
  if (typeof input.resource !== 'string' || !URL.canParse(input.resource)) {
    throw new TypeError(`${where}: resource must be an absolute URL string`);
  }
  if (input.dpopJkt !== undefined && !isSha256Base64Url(input.dpopJkt)) {
    throw new TypeError(
      `${where}: dpopJkt must be a JWK SHA-256 thumbprint (43 base64url characters)`,
    );
  }
  if (typeof input.identity?.sub !== 'string' || input.identity.sub.length === 0) {
    throw new TypeError(`${where}: identity.sub must be a non-empty string`);
  }
  const { store, codeTtl } = ctx;
  const scopes = checkScopes(input.scopes, `${where}: scopes`);
  const claims = mapClaims(ctx, input.identity);
  const code = generateRandomToken(32);
  const grantId = generateRandomToken(16);
  const hash = await sha256Base64Url(code);
  const record: CodeRecord = {
    clientId: input.clientId,
    redirectUri: input.redirectUri,
    redirectUriInRequest: input.redirectUriInRequest ?? true,
    codeChallenge: input.codeChallenge,
    ...(input.dpopJkt === undefined ? {} : { dpopJkt: input.dpopJkt }),
    scopes,
    resource: input.resource,
    sub: input.identity.sub,
    claims,
    grantId,
    expiresAt: ctx.now() + codeTtl * 1000,
    ...(input.clientName !== undefined ? { clientName: input.clientName } : {}),
    ...(input.upstreamTokens === undefined
      ? {}
      : { upstream: await sealUpstream(ctx, input.upstreamTokens, grantId) }),
  };
  await storeCall(
    Promise.all([
      store.set(STORE_KEYS.code(hash), record, codeTtl * 1000),
      store.set(STORE_KEYS.codeGrant(hash), grantId, ctx.codeTombstoneMs),
    ]),
  );
  return code;
}

/**
 * Redeems an authorization code (RFC 6749 §4.1.3 with PKCE): the atomic `take` burns it
 * first, whatever happens next; a replayed code revokes the grant it issued.
 */
export async function redeemAuthorizationCode(
  ctx: TokenContext,
  input: RedeemAuthorizationCodeInput,
): Promise<TokenResponse> {
  const { store, now } = ctx;
  const { code, clientId, redirectUri, codeVerifier } = input;
  if (!isValidCodeVerifier(codeVerifier)) {
    // RFC 7636 §4.1 syntax; checked before the code is touched (SECURITY-CASES 11).
    throw new InvalidRequestError('code_verifier must be 43-128 unreserved characters');
  }
  if (typeof code !== 'string' || code.length === 0 || code.length > MAX_OPAQUE_LENGTH) {
    throw invalidCode();
  }
  const hash = await sha256Base64Url(code);
  const record = await storeCall(store.take<CodeRecord>(STORE_KEYS.code(hash)));
  if (record === undefined) {
    // Never issued, expired, burnt, or already redeemed: a replay revokes what it issued.
    const grantId = await storeCall(store.get<string>(STORE_KEYS.codeGrant(hash)));
    if (typeof grantId === 'string') {
      await revokeGrant(ctx, grantId);
      ctx.audit?.record({
        type: 'token.reuse_detected',
        clientId,
        grantId,
        code: 'authorization_code_replay',
        reason: 'A redeemed authorization code was presented again: its grant is revoked',
      });
    }
    throw invalidCode();
  }
  // From here on the code is burnt whatever happens (SECURITY-CASES 10).
  if (record.expiresAt <= now()) throw invalidCode();
  if (record.clientId !== clientId) throw invalidCode();
  if (
    redirectUri === undefined ? record.redirectUriInRequest : redirectUri !== record.redirectUri
  ) {
    throw invalidCode();
  }
  if (input.resource !== undefined && input.resource !== record.resource) {
    throw new InvalidTargetError('The resource differs from the authorization request');
  }
  if (!(await verifyPkce(codeVerifier, record.codeChallenge, 'S256'))) throw invalidCode();
  // RFC 9449 §10: a code bound with `dpop_jkt` is redeemed only with a proof of that key.
  if (record.dpopJkt !== undefined && input.dpop?.jkt !== record.dpopJkt) {
    throw new InvalidGrantError(
      input.dpop === undefined
        ? 'The authorization code is bound to a DPoP key (dpop_jkt): send a DPoP proof of it'
        : 'The DPoP proof key is not the one the authorization code is bound to (dpop_jkt)',
    );
  }
  // Grant management: the grant enters the user's index (503 when it is full); a code whose
  // client was deleted after it was issued gets no tokens.
  const registered = await registerGrant(ctx, {
    grantId: record.grantId,
    userId: record.sub,
    clientId: record.clientId,
    clientName: record.clientName,
    scopes: record.scopes,
    resource: record.resource,
    approvedAt: record.expiresAt - ctx.codeTtl * 1000,
  });
  if (!registered) throw invalidCode();

  const hasUpstream = record.upstream !== undefined;
  if (hasUpstream) {
    await storeCall(
      store.set(STORE_KEYS.upstream(record.grantId), record.upstream as StoreValue, ctx.upstreamMs),
    );
  }
  return mint(
    ctx,
    {
      grantId: record.grantId,
      clientId: record.clientId,
      sub: record.sub,
      grantScopes: record.scopes,
      resource: record.resource,
      claims: record.claims,
      hasUpstream,
      dpop: input.dpop,
    },
    record.scopes,
    input.issueRefreshToken ?? true,
  );
}
