/**
 * `@mcp-auth/redis`: the mcp-auth `Store` on Redis, so that several instances and several
 * services share codes, grants, refresh families, registrations and revocations, and fail
 * closed when Redis is slow or down.
 * @packageDocumentation
 */
export {
  AUDIT_STREAM_FIELD,
  createRedisAuditSink,
  type RedisAuditSinkOptions,
  readRedisAuditStream,
} from './audit-stream.js';
export { RedisStoreError, type RedisStoreErrorCode } from './errors.js';
export {
  getFailClosedRedisOptions,
  type RedisClient,
  RedisStore,
  type RedisStoreOptions,
} from './redis-store.js';
