import type { AuditChainHead, AuditSink } from '@mcp-auth/core/observability';
import type { RedisClient } from './redis-store.js';

/** Options of {@link createRedisAuditSink}. */
export interface RedisAuditSinkOptions {
  /** An ioredis client (e.g. `store.client` of a `RedisStore`). Never closed by the sink. */
  readonly client: RedisClient;
  /**
   * The stream key. Default `mcp-auth:audit`. With a chained trail, one stream per writer
   * (e.g. `mcp-auth:audit:<instance>`): two instances appending to one stream interleave two
   * chains, which then do not verify.
   */
  readonly key?: string;
  /**
   * Keep about this many entries (`XADD … MAXLEN ~ n`): older ones are DROPPED. Default: no
   * limit — audit events are security records; trim (or archive) them on purpose, not by
   * accident. A trimmed chained stream verifies with `--from` the last dropped entry's hash.
   */
  readonly maxLength?: number;
}

const DEFAULT_KEY = 'mcp-auth:audit';
/** The stream field that holds the event's JSON line. */
export const AUDIT_STREAM_FIELD = 'event';

function checkedKey(key: unknown, where: string): string {
  if (key === undefined) return DEFAULT_KEY;
  if (typeof key !== 'string' || key.length === 0)
    throw new TypeError(`${where}: key must be a non-empty string`);
  return key;
}

/**
 * The audit trail as a Redis stream: each event `XADD <key> * event <JSON line>`. A chained
 * trail resumes from the stream's last entry, so a restart continues the chain. A write that
 * fails (Redis down) reaches the trail's `onError`; a chained stream then shows the gap.
 *
 * @throws TypeError when the options are malformed.
 */
export function createRedisAuditSink(options: RedisAuditSinkOptions): AuditSink {
  if (typeof options !== 'object' || options === null || typeof options.client !== 'object')
    throw new TypeError('createRedisAuditSink: pass { client } (an ioredis client)');
  const { client, maxLength } = options;
  const key = checkedKey(options.key, 'createRedisAuditSink');
  if (maxLength !== undefined && (!Number.isSafeInteger(maxLength) || maxLength < 1))
    throw new TypeError('createRedisAuditSink: maxLength must be a positive integer');
  return {
    async write(line) {
      if (maxLength === undefined) await client.xadd(key, '*', AUDIT_STREAM_FIELD, line);
      else await client.xadd(key, 'MAXLEN', '~', maxLength, '*', AUDIT_STREAM_FIELD, line);
    },
    async resume(): Promise<AuditChainHead | undefined> {
      const [last] = await client.xrevrange(key, '+', '-', 'COUNT', 1);
      const line = fieldOf(last?.[1]);
      if (line === undefined) return undefined;
      try {
        const event = JSON.parse(line) as { hash?: unknown; seq?: unknown };
        if (typeof event.hash === 'string' && typeof event.seq === 'number')
          return { hash: event.hash, seq: event.seq };
      } catch {
        // Not a chained event: the chain restarts (verification points at it).
      }
      return undefined;
    },
  };
}

function fieldOf(fields: readonly string[] | undefined): string | undefined {
  if (fields === undefined) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2)
    if (fields[i] === AUDIT_STREAM_FIELD) return fields[i + 1];
  return undefined;
}

/**
 * Reads an audit stream back as JSON lines (oldest first), e.g. for `verifyAuditLog` or to
 * write a file for `mcp-auth audit verify`. Reads in pages of `pageSize` entries.
 */
export async function readRedisAuditStream(
  client: RedisClient,
  key: string = DEFAULT_KEY,
  pageSize = 1000,
): Promise<string> {
  const stream = checkedKey(key, 'readRedisAuditStream');
  const lines: string[] = [];
  let start = '-';
  for (;;) {
    const page = await client.xrange(stream, start, '+', 'COUNT', pageSize);
    for (const [, fields] of page) {
      const line = fieldOf(fields);
      if (line !== undefined) lines.push(line);
    }
    if (page.length < pageSize) break;
    start = `(${page[page.length - 1]![0]}`;
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
