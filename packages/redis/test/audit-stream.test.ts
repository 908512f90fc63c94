// The audit trail on a real Redis stream (127.0.0.1:6379): XADD per event, the chain resumed
// after a restart, read back and verified; MAXLEN only when asked for.
import { randomBytes } from 'node:crypto';
import { createAuditTrail, verifyAuditLog } from '@mcp-auth/core/observability';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisAuditSink, readRedisAuditStream } from '../src/index.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
let client: Redis;
const keys: string[] = [];

function streamKey(): string {
  const key = `mcp-auth-test:audit:${randomBytes(6).toString('hex')}`;
  keys.push(key);
  return key;
}

beforeAll(() => {
  client = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
});

async function record(key: string, count: number, from: number, maxLength?: number) {
  const trail = createAuditTrail({
    chain: true,
    sink: createRedisAuditSink({ client, key, ...(maxLength ? { maxLength } : {}) }),
  });
  for (let i = 0; i < count; i++)
    trail.record({
      type: 'token.issued',
      subject: `u${from + i}`,
      grantType: 'authorization_code',
    });
  await trail.flush();
}

describe('createRedisAuditSink', () => {
  it('one stream entry per event; a restarted trail continues the chain; the stream verifies', async () => {
    const key = streamKey();
    await record(key, 3, 0);
    await record(key, 2, 3);
    expect(await client.xlen(key)).toBe(5);
    const text = await readRedisAuditStream(client, key, 2);
    const lines = text.trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await verifyAuditLog(text)).toMatchObject({ ok: true, events: 5 });
    // An entry edited in Redis is found.
    const [[id]] = (await client.xrange(key, '-', '+', 'COUNT', 1)) as [[string, string[]]];
    await client.xdel(key, id);
    expect(await verifyAuditLog(await readRedisAuditStream(client, key))).toMatchObject({
      ok: false,
      line: 1,
      problem: 'broken_link',
    });
  });

  it('keeps every entry unless maxLength is set (then roughly that many)', async () => {
    const key = streamKey();
    await record(key, 150, 0, 10);
    const length = await client.xlen(key);
    expect(length).toBeLessThan(150);
    expect(length).toBeGreaterThanOrEqual(10);
    expect(() => createRedisAuditSink({ client, maxLength: 0 })).toThrow(TypeError);
  });
});
