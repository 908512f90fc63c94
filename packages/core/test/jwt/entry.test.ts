import { describe, expect, it } from 'vitest';
import { getJwsBackend } from '../../src/runtime/backend.js';

describe('entries: the Node fast path is registered by the node entry itself', () => {
  it('the Web entry uses WebCrypto only; importing index.node installs node:crypto', async () => {
    await import('../../src/index.js');
    expect(getJwsBackend()).toBeUndefined();
    const node = await import('../../src/index.node.js');
    expect(getJwsBackend()?.name).toBe('node:crypto');
    // Same public API from both entries.
    const web = await import('../../src/index.js');
    expect(Object.keys(node).sort()).toEqual(Object.keys(web).sort());
    expect(typeof node.createAccessTokenVerifier).toBe('function');
  });
});
