// RFC 9728 §2 `dpop_bound_access_tokens_required`: a resource whose MCP endpoint requires DPoP
// of every client says so in its protected-resource metadata (withDpopRequiredMetadata, and
// mcpAuth's `dpopRequired: true` through createNodeMcpAuth); a resource that does not require it,
// or requires it of some clients only, does not.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createDefaultPolicies } from '../../src/policy/defaults.js';
import { withDpopRequiredMetadata } from '../../src/resource/dpop-required-metadata.js';
import { createNodeMcpAuth, type NodeMcpAuthOptions } from '../../src/resource/node-http.js';
import {
  type AuthorizationServerOptions,
  createAuthorizationServer,
} from '../../src/server/authorization-server.js';
import { DevIdentityProvider } from '../../src/server/identity/dev.js';
import { MemoryStore } from '../../src/store/memory-store.js';

const ISSUER = 'https://auth.example.test';
const NOTES = 'https://notes.example.test/mcp';
const SECRET = 'dpop-required-metadata-secret-0123456789';

function server(overrides: Partial<AuthorizationServerOptions> = {}) {
  return createAuthorizationServer({
    issuer: ISSUER,
    resource: `${ISSUER}/mcp`,
    signingKey: SECRET,
    store: new MemoryStore(),
    identityProvider: new DevIdentityProvider({
      iterations: 10_000,
      users: [{ username: 'alice', password: 'alice-password', scopes: [] }],
    }),
    dpop: true,
    ...overrides,
  });
}

const get = (path: string, origin = ISSUER) => ({
  method: 'GET',
  url: new URL(path, origin),
  headers: {},
});

async function document(
  handle: (r: ReturnType<typeof get>) => Promise<{ status: number; body?: string | undefined }>,
  path: string,
  origin?: string,
): Promise<Record<string, unknown>> {
  const response = await handle(get(path, origin));
  expect(response.status).toBe(200);
  return JSON.parse(String(response.body)) as Record<string, unknown>;
}

describe('withDpopRequiredMetadata', () => {
  it('the resource metadata says dpop_bound_access_tokens_required at both well-known paths and from protectedResourceMetadata()', async () => {
    const plain = server();
    const flagged = withDpopRequiredMetadata(plain);
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const doc = await document((r) => flagged.handle(r), path);
      expect(doc).toMatchObject({
        resource: `${ISSUER}/mcp`,
        dpop_bound_access_tokens_required: true,
      });
      expect(doc.dpop_signing_alg_values_supported).toEqual(
        plain.protectedResourceMetadata().dpop_signing_alg_values_supported,
      );
      // The server itself is unchanged.
      expect(await document((r) => plain.handle(r), path)).not.toHaveProperty(
        'dpop_bound_access_tokens_required',
      );
    }
    expect(flagged.protectedResourceMetadata().dpop_bound_access_tokens_required).toBe(true);
    expect(plain.protectedResourceMetadata()).not.toHaveProperty(
      'dpop_bound_access_tokens_required',
    );
  });

  it('other documents and other resources of the issuer are untouched', async () => {
    const plain = server({
      resource: undefined,
      resources: [
        { url: NOTES, scopes: ['notes:read'] },
        { url: `${ISSUER}/tasks/mcp`, scopes: ['tasks:read'] },
      ],
    });
    const notes = withDpopRequiredMetadata(plain.forResource(NOTES));
    // The issuer's router serves the local resource's document: not NOTES', so no flag.
    const tasks = await document(
      (r) => notes.handle(r),
      '/.well-known/oauth-protected-resource/tasks/mcp',
    );
    expect(tasks.resource).toBe(`${ISSUER}/tasks/mcp`);
    expect(tasks).not.toHaveProperty('dpop_bound_access_tokens_required');
    expect(notes.protectedResourceMetadata()).toMatchObject({
      resource: NOTES,
      dpop_bound_access_tokens_required: true,
    });
    const as = await document((r) => notes.handle(r), '/.well-known/oauth-authorization-server');
    expect(as).not.toHaveProperty('dpop_bound_access_tokens_required');
  });

  it('something else than a server → TypeError', () => {
    expect(() => withDpopRequiredMetadata({} as never)).toThrow(TypeError);
  });
});

describe('mcpAuth (createNodeMcpAuth) publishes it for dpopRequired: true only', () => {
  let http: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    http = undefined;
  });

  async function served(dpopRequired: NodeMcpAuthOptions['dpopRequired']) {
    const wired = createNodeMcpAuth({
      server: server(),
      policy: createDefaultPolicies(),
      dpopRequired,
    });
    http = createServer((req, res) => void wired.router.handle(req, res));
    await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
    const address = http.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const response = await fetch(
      `http://127.0.0.1:${address.port}/.well-known/oauth-protected-resource/mcp`,
    );
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  it('dpopRequired: true → dpop_bound_access_tokens_required: true', async () => {
    expect(await served(true)).toMatchObject({ dpop_bound_access_tokens_required: true });
  });

  it('dpopRequired for some clients (a function), false, or unset → not published', async () => {
    for (const setting of [() => true, false, undefined]) {
      const doc = await served(setting);
      expect(doc).not.toHaveProperty('dpop_bound_access_tokens_required');
      expect(doc).toHaveProperty('dpop_signing_alg_values_supported');
      await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
      http = undefined;
    }
  });
});
