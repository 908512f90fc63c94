// The demo's PrefixedStore (one keyspace per loopback origin) keeps the Store contract —
// the optional set methods of grant management included, so /grants works on every origin.
import { MemoryStore } from '@mcp-auth/core';
import { storeContract } from '@mcp-auth/core/testing';
import { describe, expect, it } from 'vitest';
import { PrefixedStore } from '../src/loopback.js';

describe('PrefixedStore', () => {
  for (const c of storeContract()) {
    it(c.name, () => c.run(new PrefixedStore(new MemoryStore(), 'origin:127.0.0.1:3000:')));
  }

  it('forwards the set methods under its prefix', async () => {
    const inner = new MemoryStore();
    const store = new PrefixedStore(inner, 'p:');
    await store.addToSet!('s', 'a', 10_000);
    expect(await inner.getSet('p:s')).toEqual(['a']);
    expect(await store.getSet!('s')).toEqual(['a']);
    await store.removeFromSet!('s', 'a');
    expect(await inner.getSet('p:s')).toEqual([]);
  });
});
