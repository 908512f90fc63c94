// Shared by the Express and Koa adapter tests: one authorization server, one policy, and
// tokens minted with core's signJwt for the cases the OAuth flow does not reach directly.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createAccessTokenVerifier,
  createAuthorizationServer,
  createSecretKey,
  DevIdentityProvider,
  MemoryStore,
  PolicyEngine,
} from '@mcp-auth/core';
import { signJwt } from '@mcp-auth/core/jwt';

export const ISSUER = 'https://auth.example.test';
export const RESOURCE = 'https://mcp.example.test/mcp';
export const RESOURCE_METADATA_URL =
  'https://mcp.example.test/.well-known/oauth-protected-resource/mcp';
const SECRET = 'adapter-test-secret-0123456789-abcdefghij';

export interface MintOptions {
  scope?: string;
  aud?: string;
  sub?: string;
  role?: string;
}

export async function createFixture() {
  const policy = new PolicyEngine();
  policy.addToolScopePolicy('get_.*', ['mcp:tools:read']);
  policy.addToolScopePolicy('send_.*', ['mcp:tools:write']);
  policy.addRule({
    id: 'admins-delete',
    tools: 'delete_user',
    scopes: ['mcp:tools:admin'],
    when: { claim: 'role', eq: 'admin' },
  });
  const server = createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: SECRET,
    store: new MemoryStore(),
    policy,
    identityProvider: new DevIdentityProvider({
      iterations: 10_000,
      users: [{ username: 'alice', password: 'demo', scopes: ['mcp:tools:read'] }],
    }),
  });
  const key = await createSecretKey(SECRET);
  // storeDown: the store behind verification fails; reached: requests the handler behind the
  // protection received (what a refusal must keep at 0).
  const state = { storeDown: false, reached: 0 };
  // The revocation check stands for the store: when it fails, verification must fail closed.
  const verifier = createAccessTokenVerifier({
    key,
    issuer: ISSUER,
    audience: RESOURCE,
    isRevoked: async () => {
      if (state.storeDown) throw new Error('store unavailable');
      return false;
    },
  });
  const now = Math.floor(Date.now() / 1000);
  const mint = (options: MintOptions = {}) =>
    signJwt(
      {
        iss: ISSUER,
        aud: options.aud ?? RESOURCE,
        sub: options.sub ?? 'alice',
        client_id: 'client-1',
        scope: options.scope ?? 'mcp:tools:read',
        iat: now,
        exp: now + 300,
        jti: crypto.randomUUID(),
        ...(options.role !== undefined ? { role: options.role } : {}),
      },
      key,
      { typ: 'at+jwt' },
    );
  return { server, policy, verifier, mint, state };
}

/** A JSON-RPC `tools/call` body. */
export function toolCall(name: string, args: Record<string, unknown> = {}) {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name, arguments: args },
  });
}

/** Parses a `WWW-Authenticate: Bearer k="v", …` header into its parameters. */
export function challengeParams(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header?.startsWith('Bearer')) return out;
  for (const match of header.matchAll(/([a-z_]+)="([^"]*)"/g)) out[match[1]!] = match[2]!;
  return out;
}

const open = new Set<Server>();

/** Starts listening on a free loopback port and returns the base URL; closed by {@link closeAll}. */
export async function listen(server: Server): Promise<string> {
  open.add(server);
  if (!server.listening) server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) =>
    server.listening ? resolve() : server.once('listening', () => resolve()),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes every server {@link listen} started. */
export async function closeAll(): Promise<void> {
  const servers = [...open];
  open.clear();
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
}
