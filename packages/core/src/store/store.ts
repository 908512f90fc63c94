import { TemporarilyUnavailableError } from '../errors/oauth-error.js';

/** A JSON-compatible value: what a {@link Store} keeps. */
export type StoreValue =
  | string
  | number
  | boolean
  | null
  | readonly StoreValue[]
  | { readonly [key: string]: StoreValue | undefined };

/**
 * The storage port of the authorization server and the resource guard. Every key has a TTL
 * no longer than what it guards. Implementations: {@link MemoryStore} (one process) and
 * `RedisStore` from `@mcp-auth/redis` (many instances).
 *
 * Any method may reject (network, timeout): callers fail closed on a rejection — nothing is
 * minted and no request is let through.
 */
export interface Store {
  /** The value under `key`, or `undefined` when absent or expired. */
  get<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined>;
  /** The values under several keys in one round trip, in the same order. */
  getMany<T extends StoreValue = StoreValue>(keys: readonly string[]): Promise<(T | undefined)[]>;
  /** Stores `value` under `key` for `ttlMs` milliseconds, replacing any value. */
  set(key: string, value: StoreValue, ttlMs: number): Promise<void>;
  /** Stores `value` only if `key` is absent; `true` when it was stored. Atomic. */
  setIfAbsent(key: string, value: StoreValue, ttlMs: number): Promise<boolean>;
  /** Atomically reads and deletes `key`: of concurrent callers, exactly one gets the value. */
  take<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined>;
  /** Deletes `key`; deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
}

/** Throws a `TypeError` unless `ttlMs` is a positive finite number. */
export function assertTtl(ttlMs: number, where: string): void {
  if (!(typeof ttlMs === 'number' && Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new TypeError(`${where}: ttlMs must be a positive number of milliseconds`);
  }
}

/**
 * Runs a store operation and turns any rejection into a 503 `TemporarilyUnavailableError`
 * (fail closed): callers never mint a token or let a request through on a store error.
 */
export async function storeCall<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (cause) {
    if (cause instanceof TypeError) throw cause;
    throw new TemporarilyUnavailableError(undefined, { cause });
  }
}
