/**
 * `@mcp-auth/redis` figures against a real Redis (`MCP_AUTH_REDIS_URL`, default
 * 127.0.0.1:6379), beside the in-memory store:
 * - `store.memory.take` / `redis.take`: one `take` of a pre-set key (for Redis one GETDEL
 *   round trip plus JSON decoding); the keys are written before each timed batch.
 * - `redis.ioredis.getdel`: the same take done with a bare ioredis GETDEL + JSON.parse, the
 *   baseline of `redis.take` (so the ratio is the store's own overhead: timeout race, checks).
 * - `redis.getMany`: one MGET of two keys (the shape of a revocation check on the hot path).
 * Skipped with a note on stderr when Redis is not reachable.
 */
import { randomBytes } from 'node:crypto';
import { MemoryStore } from '@mcp-auth/core';
import type { Store } from '@mcp-auth/core/store';
import { RedisStore } from '@mcp-auth/redis';
import { type Bench, median } from './harness.js';

const ROUNDS = 21;

type Take = Pick<Store, 'set' | 'take'>;

/**
 * Median µs per `take` of a pre-set key for each store, over `ROUNDS` batches of `batch`
 * sequential takes. Rounds of the stores alternate, so load drift on a shared machine hits
 * each of them alike.
 */
async function timeTakes(
  stores: readonly Take[],
  prefix: string,
  batch: number,
): Promise<number[]> {
  const value = { client_id: 'bench-client', scope: 'mcp:tools', sub: 'user-1' };
  const samples: number[][] = stores.map(() => []);
  for (let round = -1; round < ROUNDS; round++) {
    for (const [s, store] of stores.entries()) {
      const keys = Array.from({ length: batch }, (_, i) => `${prefix}${s}:${round}:${i}`);
      await Promise.all(keys.map((k) => store.set(k, value, 60_000)));
      const start = performance.now();
      for (const k of keys) {
        if ((await store.take(k)) === undefined) throw new Error('bench: take found no value');
      }
      // Round -1 warms up and is not counted.
      if (round >= 0) samples[s]!.push(((performance.now() - start) * 1000) / batch);
    }
  }
  return samples.map(median);
}

export default async function redisBench(bench: Bench): Promise<void> {
  if (bench.wants('store.memory.take')) {
    const [memory] = await timeTakes([new MemoryStore()], 'mem:', 5_000);
    bench.record('store.memory.take', memory!);
  }
  if (!bench.wants('redis.take') && !bench.wants('redis.getMany')) return;

  const url = process.env.MCP_AUTH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const store = new RedisStore({
    url,
    keyPrefix: `mcp-auth-bench:${randomBytes(6).toString('hex')}:`,
    commandTimeoutMs: 2_000,
  });
  try {
    try {
      await store.ping();
    } catch {
      console.error('# redis.bench: Redis not reachable (MCP_AUTH_REDIS_URL), skipped');
      return;
    }
    if (bench.wants('redis.take')) {
      // The same operation on the same connection, without the store around it.
      const bare: Take = {
        set: (k, v, ttl) => store.set(k, v, ttl),
        take: async (k) => {
          const raw = await store.client.getdel(store.keyPrefix + k);
          return raw === null ? undefined : JSON.parse(raw);
        },
      };
      const [bareUs, storeUs] = await timeTakes([bare, store], 'take:', 300);
      bench.record('redis.ioredis.getdel', bareUs!);
      bench.record('redis.take', storeUs!, { baseline: 'redis.ioredis.getdel' });
    }
    if (bench.wants('redis.getMany')) {
      await store.set('revoked:jti', false, 600_000);
      await store.set('revoked:family', false, 600_000);
      const keys = ['revoked:jti', 'revoked:family'];
      await bench.run('redis.getMany', async () => {
        const [a, b] = await store.getMany(keys);
        if (a !== false || b !== false) throw new Error('bench: getMany read wrong values');
      });
      await store.delete('revoked:jti');
      await store.delete('revoked:family');
    }
  } finally {
    await store.close();
  }
}
