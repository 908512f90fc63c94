import { beforeEach, describe, expect, it, vi } from 'vitest';

// Each case starts from a fresh module graph: the backend is module state of runtime/backend.ts.
beforeEach(() => {
  vi.resetModules();
});

async function backendName(): Promise<string | undefined> {
  const { getJwsBackend } = await import('../../src/runtime/backend.js');
  return getJwsBackend()?.name;
}

describe('subpath entries with a Node face install the Node fast paths themselves', () => {
  it('@mcp-auth/core/jwt: the Web face uses WebCrypto only; the Node face installs node:crypto', async () => {
    await import('../../src/jwt.js');
    expect(await backendName()).toBeUndefined();
    await import('../../src/jwt.node.js');
    expect(await backendName()).toBe('node:crypto');
  });

  it('@mcp-auth/core/node-http: the Node face installs node:crypto without the root entry', async () => {
    await import('../../src/node-http.js');
    expect(await backendName()).toBeUndefined();
    await import('../../src/node-http.node.js');
    expect(await backendName()).toBe('node:crypto');
  });
});
