/**
 * Why a `RedisStore` operation failed:
 * - `ERR_REDIS_EVICTION_POLICY`: Redis' `maxmemory-policy` lets it evict keys, so revocations
 *   could be forgotten; the store refuses to work (see `evictionPolicy`).
 * - `ERR_REDIS_FULL`: Redis reached `maxmemory` and refused a write (`OOM`): nothing is
 *   evicted, the write fails closed.
 * - `ERR_REDIS_TIMEOUT`: no answer within `commandTimeoutMs` (Redis slow, hung or unreachable).
 * - `ERR_REDIS_UNAVAILABLE`: the connection is down or broke while the command was in flight.
 * - `ERR_REDIS_COMMAND`: Redis answered with an error (e.g. `WRONGTYPE`, an unknown command).
 * - `ERR_REDIS_CORRUPT_VALUE`: a stored value is not the JSON this store writes.
 * - `ERR_REDIS_CLOSED`: the store (or the client it uses) was closed.
 */
export type RedisStoreErrorCode =
  | 'ERR_REDIS_EVICTION_POLICY'
  | 'ERR_REDIS_FULL'
  | 'ERR_REDIS_TIMEOUT'
  | 'ERR_REDIS_UNAVAILABLE'
  | 'ERR_REDIS_COMMAND'
  | 'ERR_REDIS_CORRUPT_VALUE'
  | 'ERR_REDIS_CLOSED';

/**
 * A failed `RedisStore` operation. It is not a `TypeError`, so core's `storeCall` turns it
 * into a 503 `temporarily_unavailable` (fail closed: nothing minted, nothing let through).
 *
 * Messages name the operation only: never a key, a value or the Redis URL (keys and values
 * can derive from codes and tokens; a URL can carry a password). The underlying ioredis
 * error, when there is one, is kept as `cause` for diagnostics; a corrupt value has none.
 */
export class RedisStoreError extends Error {
  /** A stable code: `switch` on it, never on the message. */
  readonly code: RedisStoreErrorCode;

  constructor(code: RedisStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RedisStoreError';
    this.code = code;
  }
}
