// Grant management (issue 16 item 4): what a user granted, and revoking it — one grant, all of
// a user's, or everything a client holds. Revocation is the token service's: the grant's
// marker makes its access tokens fail the revocation check at once and its refresh token fail
// at the next refresh, on every instance sharing the store. docs/grant-management.md.

import type { AuditRecorder } from '../observability/audit.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import { STORE_KEYS } from '../store/keys.js';
import { type Store, type StoreValue, storeCall } from '../store/store.js';
import {
  type GrantIndexContext,
  type GrantRecord,
  hashClientId,
  hasSets,
  hashUserId,
  releaseGrant,
} from './grant-index.js';

/** One grant a user gave a client, as grant management shows it. */
export interface GrantInfo {
  /** The grant id (the `grant_id` claim of its access tokens; not a credential). */
  readonly grantId: string;
  /** The client the grant was given to. */
  readonly clientId: string;
  /** The client's `client_name` when the grant was made, if it had one. */
  readonly clientName?: string;
  /** The scopes the user approved. */
  readonly scopes: readonly string[];
  /** The resource (MCP server URL) the grant's tokens are for. */
  readonly resource: string;
  /** Milliseconds since the epoch: when the user approved it. */
  readonly createdAt: number;
  /** Milliseconds since the epoch of the last token issued from it (redemption or refresh). */
  readonly lastUsedAt?: number;
}

/**
 * Lists and revokes what users granted (`server.grants`, `createGrantManager`, the CLI's
 * `grants` and `clients delete` commands, the `/grants` page). Every method rejects with
 * `TemporarilyUnavailableError` (503) on a store error; nothing is half-reported as done.
 */
export interface GrantManager {
  /** The user's live grants (not revoked, client not deleted), oldest first. */
  list(userId: string): Promise<GrantInfo[]>;
  /**
   * Revokes one of the user's grants: its access tokens are refused at once (revocation
   * check), its refresh token at once (refresh), on every instance sharing the store.
   * Resolves `false` when the user holds no such grant (nothing is revoked).
   */
  revoke(userId: string, grantId: string): Promise<boolean>;
  /**
   * Revokes every grant of the user, also one whose code is being redeemed right now: every
   * token, refresh token and code of the user issued until now is refused. Resolves how many
   * grants the index held.
   */
  revokeAll(userId: string): Promise<number>;
  /**
   * Deletes a client and everything it holds: its registration (a dynamically registered
   * client cannot authenticate again), its cached metadata document, and every token and
   * grant issued to it until now (refused from now on, across instances). A client with a
   * metadata-document URL may come back later; grants it gets then are new ones.
   */
  deleteClient(clientId: string): Promise<void>;
}

/** Options of {@link createGrantManager}: the store and the token lifetimes of the server. */
export interface GrantManagerOptions {
  /** The authorization server's store (e.g. the `RedisStore` every instance shares). */
  store: Store;
  /** The server's access-token lifetime in seconds. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** The server's refresh-token lifetime in seconds. Default 2,592,000 (30 days). */
  refreshTokenTtlSeconds?: number;
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
  /** Receives `grant.revoked` and `client.deleted` events (`createAuditTrail()`). */
  audit?: AuditRecorder;
}

function checkId(value: unknown, name: string, where: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096) {
    throw new TypeError(`${where}: ${name} must be a non-empty string`);
  }
}

function toInfo(record: GrantRecord): GrantInfo {
  return {
    grantId: record.grantId,
    clientId: record.clientId,
    ...(record.clientName !== undefined ? { clientName: record.clientName } : {}),
    scopes: [...record.scopes],
    resource: record.resource,
    createdAt: record.createdAt,
    ...(record.lastUsedAt !== undefined ? { lastUsedAt: record.lastUsedAt } : {}),
  };
}

// The user's grant records; ids whose record is gone (expired) leave the index on the way.
async function userRecords(store: Store, userId: string, where: string): Promise<GrantRecord[]> {
  if (!hasSets(store)) {
    throw new TypeError(
      `${where}: grant management needs a store with addToSet, removeFromSet and getSet (MemoryStore, RedisStore)`,
    );
  }
  const userHash = await hashUserId(userId);
  const key = STORE_KEYS.userGrants(userHash);
  const grantIds = await storeCall(store.getSet(key));
  if (grantIds.length === 0) return [];
  const records = await storeCall(
    store.getMany<GrantRecord & StoreValue>(grantIds.map((id) => STORE_KEYS.grant(id))),
  );
  const out: GrantRecord[] = [];
  for (let i = 0; i < grantIds.length; i++) {
    const record = records[i];
    if (typeof record === 'object' && record !== null && record.userHash === userHash) {
      out.push(record);
    } else {
      await storeCall(store.removeFromSet(key, grantIds[i]!));
    }
  }
  return out;
}

/**
 * The grant manager over a token service's context; `revokeGrant` is the token service's own
 * (revocation marker, upstream tokens dropped or revoked at the IdP, slot released).
 * @internal
 */
export function grantManagerOf(
  ctx: GrantIndexContext,
  revokeGrant: (grantId: string) => Promise<void>,
  audit?: AuditRecorder | undefined,
): GrantManager {
  const { store } = ctx;
  const where = 'GrantManager';
  const live = async (records: readonly GrantRecord[]): Promise<GrantRecord[]> => {
    if (records.length === 0) return [];
    const clientHashes = await Promise.all(records.map((r) => hashClientId(r.clientId)));
    const markers = await storeCall(
      store.getMany([
        ...records.map((r) => STORE_KEYS.revokedGrant(r.grantId)),
        ...clientHashes.map((h) => STORE_KEYS.revokedClient(h)),
      ]),
    );
    return records.filter((r, i) => {
      if (markers[i] !== undefined) return false;
      const deleted = markers[records.length + i] as { at?: unknown } | undefined;
      return deleted === undefined || (typeof deleted.at === 'number' && r.createdAt > deleted.at);
    });
  };
  return {
    async list(userId) {
      checkId(userId, 'userId', `${where}.list`);
      const records = await live(await userRecords(store, userId, `${where}.list`));
      return records.sort((a, b) => a.createdAt - b.createdAt).map(toInfo);
    },
    async revoke(userId, grantId) {
      checkId(userId, 'userId', `${where}.revoke`);
      checkId(grantId, 'grantId', `${where}.revoke`);
      const record = await storeCall(
        store.get<GrantRecord & StoreValue>(STORE_KEYS.grant(grantId)),
      );
      if (record === undefined || record.userHash !== (await hashUserId(userId))) return false;
      await revokeGrant(grantId);
      audit?.record({
        type: 'grant.revoked',
        subject: userId,
        clientId: record.clientId,
        grantId,
        code: 'grant_management',
      });
      return true;
    },
    async revokeAll(userId) {
      checkId(userId, 'userId', `${where}.revokeAll`);
      const records = await userRecords(store, userId, `${where}.revokeAll`);
      // Everything the user holds until now, indexed or not yet (a code in flight) — on every
      // instance: tokens by `iat`, refresh tokens and codes by when they were granted.
      await storeCall(
        store.set(
          STORE_KEYS.revokedUser(await hashUserId(userId)),
          { at: ctx.now() },
          ctx.revokedGrantMs,
        ),
      );
      // What `list` shows is what is revoked (and counted); the index entries of grants already
      // dead (their client deleted) are cleared too.
      const alive = new Set((await live(records)).map((record) => record.grantId));
      for (const record of records) {
        await revokeGrant(record.grantId);
        if (!alive.has(record.grantId)) continue;
        audit?.record({
          type: 'grant.revoked',
          subject: userId,
          clientId: record.clientId,
          grantId: record.grantId,
          code: 'grant_management',
        });
      }
      return alive.size;
    },
    async deleteClient(clientId) {
      checkId(clientId, 'clientId', `${where}.deleteClient`);
      await storeCall(
        store.set(
          STORE_KEYS.revokedClient(await hashClientId(clientId)),
          { at: ctx.now() },
          ctx.revokedGrantMs,
        ),
      );
      await storeCall(
        Promise.all([
          store.delete(STORE_KEYS.client(clientId)),
          store.delete(STORE_KEYS.clientMetadataDocument(await sha256Base64Url(clientId))),
        ]),
      );
      audit?.record({ type: 'client.deleted', clientId, code: 'grant_management' });
    },
  };
}

function positiveSeconds(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`createGrantManager: ${name} must be a positive integer number of seconds`);
  }
  return value;
}

/**
 * A grant manager over a store alone — for operators' scripts and the CLI, against the store
 * the authorization server uses (`RedisStore`). Pass the server's token lifetimes when they
 * are not the defaults: they set how long revocations are remembered. Revoking here sets the
 * same markers as the server (access and refresh tokens die at once on every instance) and
 * drops the grant's upstream tokens from the store; it does not call the upstream IdP's
 * revocation endpoint (the server's `server.grants` does, when configured).
 *
 * @throws TypeError when an option is invalid.
 */
export function createGrantManager(options: GrantManagerOptions): GrantManager {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createGrantManager: options are required ({ store })');
  }
  const { store } = options;
  if (!store || typeof store.getMany !== 'function' || typeof store.take !== 'function') {
    throw new TypeError('createGrantManager: store must implement the Store port');
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new TypeError('createGrantManager: now must be a function returning milliseconds');
  }
  const accessTtl = positiveSeconds(options.accessTokenTtlSeconds, 3600, 'accessTokenTtlSeconds');
  const refreshTtl = positiveSeconds(
    options.refreshTokenTtlSeconds,
    30 * 24 * 3600,
    'refreshTokenTtlSeconds',
  );
  const ctx: GrantIndexContext = {
    store,
    now: options.now ?? Date.now,
    accessTtl,
    refreshTtl,
    revokedGrantMs: (refreshTtl + accessTtl + 60) * 1000,
  };
  return grantManagerOf(
    ctx,
    async (grantId) => {
      await storeCall(
        Promise.all([
          store.set(STORE_KEYS.revokedGrant(grantId), 1, ctx.revokedGrantMs),
          store.delete(STORE_KEYS.upstream(grantId)),
        ]),
      );
      await releaseGrant(ctx, grantId);
    },
    options.audit,
  );
}
