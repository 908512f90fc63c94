import type { UpstreamTokens } from '../domain/identity.js';
import { isOAuthError, OAuthError, TemporarilyUnavailableError } from '../errors/oauth-error.js';
import { generateRandomToken } from '../encoding/random.js';
import { STORE_KEYS } from '../store/keys.js';
import { type StoreValue, storeCall } from '../store/store.js';
import type { TokenContext } from './context.js';
import { openUpstream, sealUpstream } from './upstream.js';
import type { UpstreamRefresher, UpstreamRefreshOptions } from './upstream-client.js';

export type { UpstreamRefreshOptions, UpstreamTokenClient } from './upstream-client.js';

/**
 * The upstream IdP refused the stored refresh token (or there was none and the access token
 * expired): the upstream tokens of the grant were dropped, and the user must authorize again
 * (a new sign-in at the IdP). 401 `invalid_token`.
 */
export class UpstreamReauthorizationRequiredError extends OAuthError {
  /** Always true: tell the user to sign in again (or revoke the grant to force it). */
  readonly reauthorizationRequired = true as const;
  constructor(
    description = 'The identity provider authorization expired; sign in again',
    options: { cause?: unknown } = {},
  ) {
    super('invalid_token', 401, description, options);
  }
}

/** Checks the options (a `TypeError`) and builds the refresher. @internal */
export function createUpstreamRefresher(
  options: UpstreamRefreshOptions,
  where: string,
): UpstreamRefresher {
  if (typeof options?.client?.refreshTokens !== 'function') {
    throw new TypeError(`${where}: upstream.client must have refreshTokens()`);
  }
  const skew = options.refreshSkewSeconds ?? 60;
  const lock = options.lockSeconds ?? 30;
  if (!Number.isFinite(skew) || skew < 0 || skew > 86_400) {
    throw new TypeError(`${where}: upstream.refreshSkewSeconds must be from 0 to 86400`);
  }
  if (!Number.isFinite(lock) || lock <= 0 || lock > 600) {
    throw new TypeError(`${where}: upstream.lockSeconds must be from 1 to 600`);
  }
  return { client: options.client, skewMs: skew * 1000, lockMs: lock * 1000, inflight: new Map() };
}

// Stored in place of the tokens when the IdP refused the refresh token: every instance then
// answers "sign in again" instead of "no upstream tokens".
const DROPPED = Object.freeze({ dropped: 'reauthorization_required' });
const POLL_MS = 50;

function isDropped(value: StoreValue | undefined): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as { dropped?: unknown }).dropped === DROPPED.dropped
  );
}

function due(ctx: TokenContext, r: UpstreamRefresher, tokens: UpstreamTokens): boolean {
  return typeof tokens.expiresAt === 'number' && tokens.expiresAt * 1000 - r.skewMs <= ctx.now();
}

/** The grant's stored upstream tokens: `undefined` (none, revoked), 'dropped', or the tokens. */
async function read(
  ctx: TokenContext,
  grantId: string,
): Promise<UpstreamTokens | 'dropped' | undefined> {
  const [value, revoked] = await storeCall(
    ctx.store.getMany([STORE_KEYS.upstream(grantId), STORE_KEYS.revokedGrant(grantId)]),
  );
  if (value === undefined || revoked !== undefined) return undefined;
  if (isDropped(value)) return 'dropped';
  return openUpstream(ctx, value, grantId);
}

/**
 * The upstream tokens of a live grant, refreshed at the IdP first when they expire within the
 * skew: one refresh per grant at a time in this process, and across instances through a lock
 * in the store (`setIfAbsent`); the others wait and re-read. Rejects with
 * {@link UpstreamReauthorizationRequiredError} when the IdP refused the refresh token.
 */
export async function getFreshUpstreamTokens(
  ctx: TokenContext,
  r: UpstreamRefresher,
  grantId: string,
): Promise<UpstreamTokens | undefined> {
  if (typeof grantId !== 'string' || grantId.length === 0) return undefined;
  const stored = await read(ctx, grantId);
  if (stored === 'dropped') throw new UpstreamReauthorizationRequiredError();
  if (stored === undefined || !due(ctx, r, stored)) return stored;
  let flight = r.inflight.get(grantId);
  if (!flight) {
    flight = refreshUnderLock(ctx, r, grantId).finally(() => r.inflight.delete(grantId));
    r.inflight.set(grantId, flight);
  }
  return flight;
}

async function refreshUnderLock(
  ctx: TokenContext,
  r: UpstreamRefresher,
  grantId: string,
): Promise<UpstreamTokens | undefined> {
  const lockKey = STORE_KEYS.upstreamLock(grantId);
  // Bounded by polls, not by the clock (a test clock may stand still): about two lock lifetimes.
  for (let polls = Math.ceil((2 * r.lockMs) / POLL_MS); polls > 0; polls--) {
    const owner = generateRandomToken(16);
    if (await storeCall(ctx.store.setIfAbsent(lockKey, owner, r.lockMs))) {
      try {
        return await refreshNow(ctx, r, grantId);
      } finally {
        // Only our own lock: a lock that expired and was taken by another stays theirs.
        if ((await ctx.store.get(lockKey).catch(() => undefined)) === owner) {
          await ctx.store.delete(lockKey).catch(() => {});
        }
      }
    }
    // Another instance refreshes: wait, then re-read what it stored.
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const stored = await read(ctx, grantId);
    if (stored === 'dropped') throw new UpstreamReauthorizationRequiredError();
    if (stored === undefined || !due(ctx, r, stored)) return stored;
  }
  throw new TemporarilyUnavailableError('The upstream token refresh did not complete in time');
}

// Holding the lock: re-read (another instance may just have refreshed), then refresh.
async function refreshNow(
  ctx: TokenContext,
  r: UpstreamRefresher,
  grantId: string,
): Promise<UpstreamTokens | undefined> {
  const stored = await read(ctx, grantId);
  if (stored === 'dropped') throw new UpstreamReauthorizationRequiredError();
  if (stored === undefined || !due(ctx, r, stored)) return stored;
  const key = STORE_KEYS.upstream(grantId);
  if (stored.refreshToken === undefined) {
    await storeCall(ctx.store.set(key, DROPPED, ctx.upstreamMs));
    throw new UpstreamReauthorizationRequiredError();
  }
  let fresh: UpstreamTokens;
  try {
    fresh = await r.client.refreshTokens(stored);
  } catch (error) {
    if (isOAuthError(error) && error.code === 'invalid_grant') {
      await storeCall(ctx.store.set(key, DROPPED, ctx.upstreamMs));
      throw new UpstreamReauthorizationRequiredError(undefined, { cause: error });
    }
    throw error;
  }
  // An IdP that does not rotate refresh tokens answers without one: keep the old one.
  const merged: UpstreamTokens = {
    ...fresh,
    ...(fresh.refreshToken === undefined ? { refreshToken: stored.refreshToken } : {}),
    ...(fresh.idToken === undefined && stored.idToken !== undefined
      ? { idToken: stored.idToken }
      : {}),
  };
  await storeCall(ctx.store.set(key, await sealUpstream(ctx, merged, grantId), ctx.upstreamMs));
  // Revoked while we refreshed: forget the new tokens, and revoke them upstream too.
  const revoked = await storeCall(ctx.store.get(STORE_KEYS.revokedGrant(grantId)));
  if (revoked !== undefined) {
    await storeCall(ctx.store.delete(key));
    await revokeUpstream(r, merged);
    return undefined;
  }
  return merged;
}

/** Revokes tokens at the IdP where it supports it; never throws (our revocation stands). */
export async function revokeUpstream(
  r: UpstreamRefresher | undefined,
  tokens: UpstreamTokens | undefined,
): Promise<void> {
  if (!r?.client.revokeTokens || tokens === undefined) return;
  try {
    await r.client.revokeTokens(tokens);
  } catch {
    // The IdP is down or refused: our grant is revoked regardless; its tokens expire there.
  }
}

/** The grant's upstream tokens for revocation at the IdP (undefined when none or unreadable). */
export async function readUpstreamForRevocation(
  ctx: TokenContext,
  grantId: string,
): Promise<UpstreamTokens | undefined> {
  const value = await storeCall(ctx.store.get(STORE_KEYS.upstream(grantId)));
  if (value === undefined || isDropped(value)) return undefined;
  return openUpstream(ctx, value, grantId);
}
