import { isJwtError } from '../errors/jwt-error.js';
import { verifyJwt } from '../jwt/index.js';
import type { JwtPayload } from '../jwt/types.js';
import type { AuthContext } from '../domain/auth-context.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import { type Store, storeCall } from '../store/store.js';
import {
  MAX_JWT_LENGTH,
  MAX_OPAQUE_LENGTH,
  type RefreshRecord,
  type TokenContext,
} from './context.js';
import { STORE_KEYS } from '../store/keys.js';
import type { RevokeInput } from './types.js';
import { readUpstreamForRevocation, revokeUpstream } from './upstream-refresh.js';
import { hashClientId, hashUserId, releaseGrant } from './grant-index.js';

/**
 * Builds the `isRevoked` check of a revocation-aware access-token verifier: a token is revoked
 * when its `jti` or its grant was revoked, or — grant management — its client was deleted or
 * all of its user's grants revoked after the token was issued (`iat`). All are read in one store round trip (`getMany`). Resource
 * servers sharing the authorization server's store (e.g. Redis) use it with
 * `createAccessTokenVerifier` from the JWT module. Rejects when the store fails (→ 503).
 */
export function createRevocationChecker(
  store: Store,
): (
  context: Pick<AuthContext, 'jti' | 'grantId'> &
    Partial<Pick<AuthContext, 'clientId' | 'claims' | 'userId'>>,
) => Promise<boolean> {
  if (!store || typeof store.getMany !== 'function') {
    throw new TypeError('createRevocationChecker: store must implement the Store port');
  }
  // The marker keys of recent clients and users (a hash each), bounded.
  const markerKeys = new Map<string, string>();
  const markerKey = async (kind: 'client' | 'user', id: string): Promise<string> => {
    const cacheKey = `${kind}\u0000${id}`;
    let key = markerKeys.get(cacheKey);
    if (key === undefined) {
      key =
        kind === 'client'
          ? STORE_KEYS.revokedClient(await hashClientId(id))
          : STORE_KEYS.revokedUser(await hashUserId(id));
      if (markerKeys.size >= 4096) markerKeys.clear();
      markerKeys.set(cacheKey, key);
    }
    return key;
  };
  type Checked = Parameters<ReturnType<typeof createRevocationChecker>>[0];
  // The keys a context's check reads: its own markers (jti, grant) first, then the client's
  // and the user's.
  const keysOf = async (context: Checked): Promise<RevocationKeys> => {
    const keys: string[] = [];
    if (context.jti) keys.push(STORE_KEYS.revokedJti(context.jti));
    if (context.grantId) keys.push(STORE_KEYS.revokedGrant(context.grantId));
    const own = keys.length;
    if (context.clientId) keys.push(await markerKey('client', context.clientId));
    if (context.userId) keys.push(await markerKey('user', context.userId));
    return { keys, own };
  };
  // Verified contexts are frozen and shared per token: their keys are worked out once (the
  // entry goes with the context when the verifier's cache drops it).
  const known = new WeakMap<object, RevocationKeys>();
  const decide = async (
    context: Checked,
    { keys, own }: RevocationKeys,
    values: readonly unknown[],
  ): Promise<boolean> => {
    for (let i = 0; i < own; i++) if (values[i] !== undefined) return true;
    const markers: unknown[] = [];
    for (let i = own; i < keys.length; i++) if (values[i] !== undefined) markers.push(values[i]);
    if (markers.length === 0) return false;
    // A client deleted, or all of a user's grants revoked, at `at`: a token of a grant approved
    // after it (a client that came back, a new sign-in; the grant's record has the time in ms),
    // or issued after it (`iat`, whole seconds), lives; on doubt, refuse. Read only then.
    const grant = context.grantId
      ? await storeCall(store.get<{ createdAt?: number }>(STORE_KEYS.grant(context.grantId)))
      : undefined;
    const createdAt = typeof grant?.createdAt === 'number' ? grant.createdAt : undefined;
    const iat = context.claims?.['iat'];
    return markers.some((marker) => {
      const at = (marker as { at?: unknown }).at;
      if (typeof at !== 'number') return true;
      return !(
        (createdAt !== undefined && createdAt > at) ||
        (typeof iat === 'number' && iat * 1000 > at)
      );
    });
  };
  const check = (context: Checked, found: RevocationKeys): Promise<boolean> => {
    if (found.keys.length === 0) return Promise.resolve(false);
    return storeCall(store.getMany(found.keys)).then((values) =>
      // Nothing marked (the usual answer): no further step.
      values.every((value) => value === undefined) ? false : decide(context, found, values),
    );
  };
  return (context) => {
    const found = known.get(context);
    if (found !== undefined) return check(context, found);
    return keysOf(context).then((computed) => {
      if (Object.isFrozen(context)) known.set(context, computed);
      return check(context, computed);
    });
  };
}

/** The store keys one context's revocation check reads, and how many are its own. */
interface RevocationKeys {
  readonly keys: readonly string[];
  readonly own: number;
}

/**
 * Revokes a whole grant: every token of it, and drops its upstream tokens — revoking them at
 * the IdP too (RFC 7009) when it supports it.
 */
export async function revokeGrant(ctx: TokenContext, grantId: string): Promise<void> {
  if (typeof grantId !== 'string' || grantId.length === 0) {
    throw new TypeError('revokeGrant: grantId must be a non-empty string');
  }
  const upstream = ctx.upstreamRefresh?.client.revokeTokens
    ? await readUpstreamForRevocation(ctx, grantId)
    : undefined;
  await storeCall(
    Promise.all([
      ctx.store.set(STORE_KEYS.revokedGrant(grantId), 1, ctx.revokedGrantMs),
      ctx.store.delete(STORE_KEYS.upstream(grantId)),
    ]),
  );
  await revokeUpstream(ctx.upstreamRefresh, upstream);
  // Grant management: the grant leaves its user's index (frees the slot).
  await releaseGrant(ctx, grantId);
}

// Verifies one of our access tokens (signature, type and issuer; not the revocation state).
async function decodeOwnAccessToken(
  ctx: TokenContext,
  token: string,
): Promise<JwtPayload | undefined> {
  try {
    const { payload } = await verifyJwt(token, ctx.verificationKey, {
      typ: 'at+jwt',
      issuer: ctx.issuer,
      clockTolerance: 0,
      now: ctx.now,
    });
    return payload;
  } catch (error) {
    if (isJwtError(error)) return undefined;
    throw error;
  }
}

/**
 * RFC 7009 revocation: a refresh token revokes its grant, an access token its `jti`. A token
 * that is unknown, or was issued to another client, is silently ignored.
 */
export async function revoke(ctx: TokenContext, input: RevokeInput): Promise<void> {
  const { store, now } = ctx;
  const { token, clientId } = input;
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_JWT_LENGTH) return;
  const looksLikeJwt = token.split('.').length === 3;

  const tryRefresh = async (): Promise<boolean> => {
    if (looksLikeJwt || token.length > MAX_OPAQUE_LENGTH) return false;
    const hash = await sha256Base64Url(token);
    const record = await storeCall(store.get<RefreshRecord>(STORE_KEYS.refresh(hash)));
    if (record === undefined) return false;
    // RFC 7009 §2.1: only the client the token was issued to may revoke it; others are ignored
    // so that revocation does not tell them whether a token is valid.
    if (record.clientId !== clientId) return true;
    await storeCall(store.delete(STORE_KEYS.refresh(hash)));
    await revokeGrant(ctx, record.grantId);
    ctx.audit?.record({
      type: 'token.revoked',
      subject: record.sub,
      clientId,
      grantId: record.grantId,
      detail: { tokenType: 'refresh_token' },
    });
    return true;
  };
  const tryAccess = async (): Promise<boolean> => {
    if (!looksLikeJwt) return false;
    const payload = await decodeOwnAccessToken(ctx, token);
    if (payload === undefined || typeof payload.jti !== 'string') return false;
    if (payload['client_id'] !== clientId) return true;
    const exp =
      typeof payload.exp === 'number' ? payload.exp : Math.floor(now() / 1000) + ctx.accessTtl;
    const ttlMs = Math.max(1000, exp * 1000 - now() + 60_000);
    await storeCall(store.set(STORE_KEYS.revokedJti(payload.jti), 1, ttlMs));
    ctx.audit?.record({
      type: 'token.revoked',
      subject: typeof payload.sub === 'string' ? payload.sub : undefined,
      clientId,
      grantId: typeof payload['grant_id'] === 'string' ? payload['grant_id'] : undefined,
      detail: { tokenType: 'access_token' },
    });
    return true;
  };

  if (input.tokenTypeHint === 'access_token') {
    if (!(await tryAccess())) await tryRefresh();
  } else if (!(await tryRefresh())) {
    await tryAccess();
  }
}
