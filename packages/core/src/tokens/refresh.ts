import {
  InvalidDpopProofError,
  InvalidScopeError,
  InvalidTargetError,
} from '../errors/oauth-error.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import { checkScopes } from '../policy/scopes.js';
import { storeCall } from '../store/store.js';
import {
  invalidRefresh,
  MAX_OPAQUE_LENGTH,
  type RefreshRecord,
  type TokenContext,
} from './context.js';
import { mint } from './mint.js';
import { revokeGrant } from './revocation.js';
import { useGrant } from './grant-index.js';
import { STORE_KEYS } from '../store/keys.js';
import type { RefreshInput, TokenResponse } from './types.js';

// True when `hash` was rotated less than the grace window ago for `clientId`.
async function withinGrace(ctx: TokenContext, hash: string, clientId: string): Promise<boolean> {
  if (ctx.graceMs === 0) return false;
  const rotated = await storeCall(
    ctx.store.get<{ clientId: string; at: number }>(STORE_KEYS.refreshRotated(hash)),
  );
  return (
    typeof rotated === 'object' &&
    rotated !== null &&
    rotated.clientId === clientId &&
    ctx.now() - rotated.at < ctx.graceMs
  );
}

/**
 * The refresh-token grant with rotation: each refresh token is used once (atomic `take`) and
 * replaced; presenting a rotated one again revokes the whole family (reuse detection), except
 * a parallel refresh by the same client within the grace window.
 */
export async function refresh(ctx: TokenContext, input: RefreshInput): Promise<TokenResponse> {
  const { store, now, graceMs } = ctx;
  const { refreshToken, clientId } = input;
  if (
    typeof refreshToken !== 'string' ||
    refreshToken.length === 0 ||
    refreshToken.length > MAX_OPAQUE_LENGTH
  ) {
    throw invalidRefresh();
  }
  const hash = await sha256Base64Url(refreshToken);
  const [record, familyGrant] = await storeCall(
    store.getMany([STORE_KEYS.refresh(hash), STORE_KEYS.refreshGrant(hash)]),
  );
  if (record === undefined) {
    // A rotated (or revoked) refresh token was presented again: revoke the family
    // (RFC 9700 §4.14.2, SECURITY-CASES 16) — unless it is the same client within the grace
    // window after the rotation (a parallel refresh): then only this request fails.
    if (typeof familyGrant === 'string' && !(await withinGrace(ctx, hash, clientId))) {
      await revokeGrant(ctx, familyGrant);
      ctx.audit?.record({
        type: 'token.reuse_detected',
        clientId,
        grantId: familyGrant,
        code: 'refresh_token_reuse',
        reason: 'A rotated refresh token was presented again: the grant is revoked',
      });
    }
    throw invalidRefresh();
  }
  const rt = record as RefreshRecord;
  if (rt.expiresAt <= now()) throw invalidRefresh();
  // RFC 6749 §6: the refresh token is bound to the client it was issued to.
  if (rt.clientId !== clientId) throw invalidRefresh();
  if (input.resource !== undefined && input.resource !== rt.resource) {
    throw new InvalidTargetError('The resource differs from the grant');
  }
  // RFC 9449 §5: a bound refresh token is used only with a proof of its key. Checked before the
  // take: a stolen token presented without the key neither rotates nor revokes the family.
  if (rt.dpopJkt !== undefined) {
    if (input.dpop === undefined)
      throw new InvalidDpopProofError('This refresh token is bound to a DPoP key; send a proof');
    if (input.dpop.jkt !== rt.dpopJkt) throw invalidRefresh();
  }
  let scopes: readonly string[] = rt.scopes;
  if (input.scopes !== undefined && input.scopes.length > 0) {
    const requested = checkScopes(input.scopes, 'refresh: scopes');
    if (!requested.every((s) => rt.scopes.includes(s))) {
      throw new InvalidScopeError('The requested scope exceeds the scope of the grant');
    }
    scopes = requested;
  }
  if (graceMs > 0) {
    // Written before the take, so a parallel request arriving right after it sees it.
    const rotated = { clientId: rt.clientId, at: now() };
    await storeCall(store.set(STORE_KEYS.refreshRotated(hash), rotated, graceMs));
  }
  // Validation above does not consume the token; the atomic take decides who rotates it.
  const taken = await storeCall(store.take<RefreshRecord>(STORE_KEYS.refresh(hash)));
  if (taken === undefined) {
    // Lost a race against another use of the same token by the same client: a parallel
    // refresh within the grace window (the winner's tokens stay valid); reuse without one.
    if (graceMs === 0) {
      await revokeGrant(ctx, rt.grantId);
      ctx.audit?.record({
        type: 'token.reuse_detected',
        subject: rt.sub,
        clientId,
        grantId: rt.grantId,
        code: 'refresh_token_reuse',
        reason: 'One refresh token was used twice at once: the grant is revoked',
      });
    }
    throw invalidRefresh();
  }
  const revoked = await storeCall(store.get(STORE_KEYS.revokedGrant(taken.grantId)));
  if (revoked !== undefined) throw invalidRefresh();
  // Grant management: a deleted client's grant, or a user's after revokeAll, is refused; a
  // live one records its use.
  if (!(await useGrant(ctx, taken.grantId, taken.clientId, taken.sub))) throw invalidRefresh();
  if (taken.hasUpstream) {
    const upstreamKey = STORE_KEYS.upstream(taken.grantId);
    const value = await storeCall(store.get(upstreamKey));
    if (value !== undefined) await storeCall(store.set(upstreamKey, value, ctx.upstreamMs));
  }
  return mint(
    ctx,
    {
      grantId: taken.grantId,
      clientId: taken.clientId,
      sub: taken.sub,
      grantScopes: taken.scopes,
      resource: taken.resource,
      claims: taken.claims,
      hasUpstream: taken.hasUpstream,
      // A bound refresh token stays bound to its key through every rotation.
      dpop:
        input.dpop === undefined
          ? undefined
          : {
              jkt: input.dpop.jkt,
              bindRefreshToken: input.dpop.bindRefreshToken || rt.dpopJkt !== undefined,
            },
    },
    scopes,
    true,
  );
}
