// The per-user grant index behind grant management (docs/grant-management.md): a record per
// grant (`tok:grant:<id>`) and, per user, the set of their grant ids (`tok:user-grants:<hash>`,
// the store's atomic `addToSet`, so concurrent sign-ins never lose an entry). Every entry is
// durable (a bounded store refuses a write instead of dropping one) and lives as long as the
// grant can: its refresh token's lifetime from the last use, plus the last access token's.

import { sha256Base64Url } from '../runtime/sha256.js';
import { STORE_KEYS } from '../store/keys.js';
import { type Store, type StoreValue, storeCall } from '../store/store.js';

/** What the grant index needs of the token service's settings. */
export interface GrantIndexContext {
  readonly store: Store;
  readonly now: () => number;
  /** Access-token and refresh-token lifetimes, in seconds. */
  readonly accessTtl: number;
  readonly refreshTtl: number;
  /** How long a revocation marker is kept, in ms. */
  readonly revokedGrantMs: number;
}

/** A grant's record in the store (`tok:grant:<id>`). */
export type GrantRecord = {
  readonly grantId: string;
  readonly userId: string;
  readonly userHash: string;
  readonly clientId: string;
  readonly clientName?: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** Milliseconds since the epoch: when the user approved it. */
  readonly createdAt: number;
  /** Milliseconds since the epoch of the last token issuance (redemption or refresh). */
  readonly lastUsedAt?: number;
};

/** What a grant is registered with when its authorization code is redeemed. */
export interface NewGrant {
  readonly grantId: string;
  readonly userId: string;
  readonly clientId: string;
  readonly clientName?: string | undefined;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** Milliseconds since the epoch when the code was issued (the user's approval). */
  readonly approvedAt: number;
}

/** A store with the optional set methods grant management needs. */
export type IndexStore = Store & Required<Pick<Store, 'addToSet' | 'removeFromSet' | 'getSet'>>;

/** Whether `store` keeps sets (`addToSet`, `removeFromSet`, `getSet`): MemoryStore, RedisStore. */
export function hasSets(store: Store): store is IndexStore {
  return (
    typeof store.addToSet === 'function' &&
    typeof store.removeFromSet === 'function' &&
    typeof store.getSet === 'function'
  );
}

/** SHA-256 (base64url) of a user id: the index key part (bounded, no separators). */
export const hashUserId = (userId: string): Promise<string> =>
  sha256Base64Url(`user\u0000${userId}`);
/** SHA-256 (base64url) of a client id: the deleted-client marker's key part. */
export const hashClientId = (clientId: string): Promise<string> =>
  sha256Base64Url(`client\u0000${clientId}`);

// A live grant's entries last as long as its refresh token can (from each use) plus the last
// access token minted from it.
const liveMs = (ctx: Pick<GrantIndexContext, 'accessTtl' | 'refreshTtl'>) =>
  (ctx.refreshTtl + ctx.accessTtl) * 1000;

// A deleted client's marker refuses what was issued at or before its `at`.
function deletedBefore(marker: unknown, issuedAt: number | undefined): boolean {
  if (marker === undefined) return false;
  const at = (marker as { at?: unknown }).at;
  return !(typeof at === 'number' && issuedAt !== undefined && issuedAt > at);
}

/**
 * Registers a grant when its authorization code is redeemed: its record, and its id in the
 * user's index. Resolves `false` when the code's client was deleted, or all of the user's
 * grants revoked, after the code was issued (the caller refuses the code). A grant revoked meanwhile (a replayed code) is not registered;
 * its tokens are refused by the revocation check. Without set support in the store nothing is
 * indexed (grant management then refuses to list). Rejects on a store error (503).
 */
export async function registerGrant(ctx: GrantIndexContext, grant: NewGrant): Promise<boolean> {
  const { store } = ctx;
  const userHash = await hashUserId(grant.userId);
  const [revoked, deleted, allRevoked] = await storeCall(
    store.getMany([
      STORE_KEYS.revokedGrant(grant.grantId),
      STORE_KEYS.revokedClient(await hashClientId(grant.clientId)),
      STORE_KEYS.revokedUser(userHash),
    ]),
  );
  if (deletedBefore(deleted, grant.approvedAt)) return false;
  if (deletedBefore(allRevoked, grant.approvedAt)) return false;
  if (revoked !== undefined || !hasSets(store)) return true;
  const record: GrantRecord = {
    grantId: grant.grantId,
    userId: grant.userId,
    userHash,
    clientId: grant.clientId,
    ...(grant.clientName !== undefined ? { clientName: grant.clientName } : {}),
    scopes: [...grant.scopes],
    resource: grant.resource,
    createdAt: grant.approvedAt,
    lastUsedAt: ctx.now(),
  };
  const ttl = liveMs(ctx);
  await storeCall(store.set(STORE_KEYS.grant(grant.grantId), record as StoreValue, ttl));
  await storeCall(store.addToSet(STORE_KEYS.userGrants(userHash), grant.grantId, ttl));
  return true;
}

/**
 * Marks a grant used at a refresh: `lastUsedAt` now, its record and the user's index kept for
 * the grant's lifetime from now. Resolves `false` when its client was deleted, or all of the
 * user's grants revoked, after the grant was created (the caller refuses the refresh). A revoked grant is left alone (the caller
 * refuses it already); a grant without a record (issued before the index) is used as it is.
 */
export async function useGrant(
  ctx: GrantIndexContext,
  grantId: string,
  clientId: string,
  userId: string,
): Promise<boolean> {
  const { store } = ctx;
  const [record, revoked, deleted, allRevoked] = await storeCall(
    store.getMany([
      STORE_KEYS.grant(grantId),
      STORE_KEYS.revokedGrant(grantId),
      STORE_KEYS.revokedClient(await hashClientId(clientId)),
      STORE_KEYS.revokedUser(await hashUserId(userId)),
    ]),
  );
  const grant = record as GrantRecord | undefined;
  if (deletedBefore(deleted, grant?.createdAt)) return false;
  if (deletedBefore(allRevoked, grant?.createdAt)) return false;
  if (revoked !== undefined || grant === undefined || !hasSets(store)) return true;
  const updated: GrantRecord = { ...grant, lastUsedAt: ctx.now() };
  const ttl = liveMs(ctx);
  await storeCall(store.set(STORE_KEYS.grant(grantId), updated as StoreValue, ttl));
  await storeCall(store.addToSet(STORE_KEYS.userGrants(grant.userHash), grantId, ttl));
  return true;
}

/** Takes a revoked grant out of its user's index and drops its record. */
export async function releaseGrant(ctx: Pick<GrantIndexContext, 'store'>, grantId: string) {
  const { store } = ctx;
  if (!hasSets(store)) return;
  const record = await storeCall(store.get<GrantRecord & StoreValue>(STORE_KEYS.grant(grantId)));
  if (record === undefined || typeof record !== 'object') return;
  await storeCall(store.removeFromSet(STORE_KEYS.userGrants(record.userHash), grantId));
  await storeCall(store.delete(STORE_KEYS.grant(grantId)));
}
