// What every contract mount shares: the three dev users, the policy, the tools, the clock, a
// store that can be made to fail, and small HTTP helpers. Nothing here knows any framework.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AuthContext,
  type AuthorizationServer,
  type AuthorizationServerOptions,
  createAuthorizationServer,
  createDefaultPolicies,
  DEMO_USERS,
  DevIdentityProvider,
  MemoryStore,
  type PolicyEngine,
} from '@mcp-auth/core';
import type { Store } from '@mcp-auth/core/store';
import { computeS256Challenge, generateCodeVerifier } from '@mcp-auth/core/testing';
import { z } from 'zod';

/** The HS256 secret every contract authorization server signs with (tests mint with it too). */
export const CONTRACT_SECRET = 'contract-suite-secret-0123456789-abcdefghijklmnop';
/** The shared password of the dev users. */
export const PASSWORD = 'demo';
export const READ = 'mcp:tools:read';
export const WRITE = 'mcp:tools:write';
export const ADMIN = 'mcp:tools:admin';
/** A registered redirect URI (https; authorizeWithForms stops before following it). */
export const REDIRECT = 'https://app.example.test/cb';

/** alice viewer → read; bob editor → read + write; carol admin → read, write, admin. */
export function createDevUsers(): DevIdentityProvider {
  // Core's demo users (alice viewer → read; bob editor → read, write; carol admin → all).
  return new DevIdentityProvider({ iterations: 10_000, users: DEMO_USERS });
}

/**
 * `createDefaultPolicies()` (get_* → read, send_* → write, delete_* → admin) plus: `whoami` for
 * any signed-in user, and `delete_user` only for the `admin` role (an attribute denial that no
 * scope can fix).
 */
export function createContractPolicy(): PolicyEngine {
  const policy = createDefaultPolicies();
  policy.addRule({ id: 'whoami', tools: 'whoami' });
  policy.addRule({
    id: 'delete-needs-admin-role',
    tools: 'delete_user',
    effect: 'deny',
    when: { not: { claim: 'role', eq: 'admin' } },
  });
  return policy;
}

/** One tool every mount registers, framework-free. */
/**
 * Marks a tool's answer when the request that reached the MCP server still carried the
 * `Authorization` header: the guards take the verified credential off (`forwardAuthorization`),
 * and the suite asserts that no answer carries this mark.
 */
export const CREDENTIAL_SEEN = ' [the Authorization header reached the tool]';

export interface ContractTool {
  readonly name: string;
  readonly description: string;
  /** Zod object shape of the arguments (SDK `inputSchema`; `z.object(shape)` for fastmcp). */
  readonly shape: z.ZodRawShape;
  /** The tool's text result for a caller the adapter let through. */
  run(args: Record<string, unknown>, auth: AuthContext | undefined): string;
}

export const CONTRACT_TOOLS: readonly ContractTool[] = [
  {
    name: 'get_weather',
    description: 'The weather in a city (mcp:tools:read)',
    shape: { city: z.string() },
    run: (args) => `Sunny in ${String(args.city)}`,
  },
  {
    name: 'send_email',
    description: 'Sends an email (mcp:tools:write)',
    shape: { to: z.string() },
    run: (args) => `Sent to ${String(args.to)}`,
  },
  {
    name: 'delete_user',
    description: 'Deletes a user (mcp:tools:admin and role admin)',
    shape: { id: z.string() },
    run: (args) => `Deleted ${String(args.id)}`,
  },
  {
    name: 'whoami',
    description: 'Who is calling',
    shape: {},
    run: (_args, auth) =>
      auth
        ? `${auth.userId} role=${String(auth.claims.role)} scopes=${auth.scopes.join(' ')}`
        : 'nobody',
  },
];

/**
 * The authorization server's clock (codes, interactions, stores), which tests move forward.
 * It starts 30 minutes behind real time and never gets ahead of it: the access-token verifier
 * runs on this clock, but the adapters' middleware re-checks expiry on the real clock, so a
 * token must be valid on both.
 */
export class TestClock {
  #offset: number;
  /** `startOffsetSeconds` ≤ 0; tokens must outlive it (default lifetime 3600 s). */
  constructor(startOffsetSeconds = -1800) {
    this.#offset = startOffsetSeconds * 1000;
  }
  readonly now = (): number => Date.now() + this.#offset;
  advance(seconds: number): void {
    if (this.#offset + seconds * 1000 > 0) throw new Error('TestClock: would pass real time');
    this.#offset += seconds * 1000;
  }
}

/** A MemoryStore whose every operation can be made to reject (store outage, fail closed). */
export function createFailableStore(clock: TestClock): { store: Store; fail(on: boolean): void } {
  const inner = new MemoryStore({ now: clock.now });
  let failing = false;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        failing
          ? Promise.reject(new Error('store unavailable'))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  }) as Store;
  return {
    store,
    fail(on) {
      failing = on;
    },
  };
}

/**
 * The MCP server behind a mount: `v2` is MCP SDK v2 (`@modelcontextprotocol/server`'s
 * `createMcpHandler`, serving 2026-07-28 and the 2025-era fallback; the default), `v1` is SDK v1
 * (`@modelcontextprotocol/sdk`, 2025-era only). fastmcp 4.x is built on SDK v1 and always `v1`.
 */
export type ContractSdk = 'v1' | 'v2';

/** What a mount needs to build its authorization server once it knows its origin. */
export interface ContractServerSpec {
  readonly policy: PolicyEngine;
  readonly tools: readonly ContractTool[];
  /** Which MCP SDK generation serves the tools (a mount that has only one ignores it). */
  readonly sdk: ContractSdk;
  /** Builds the authorization server for `origin` (e.g. `http://127.0.0.1:4711`). */
  createServer(origin: string): AuthorizationServer;
}

/** The authorization server options every contract mount shares (overridable per block). */
export function contractServerOptions(
  origin: string,
  policy: PolicyEngine,
  store: Store,
  clock: TestClock,
  overrides: Partial<AuthorizationServerOptions> = {},
): AuthorizationServerOptions {
  return {
    issuer: origin,
    resource: `${origin}/mcp`,
    signingKey: CONTRACT_SECRET,
    store,
    now: clock.now,
    policy,
    identityProvider: createDevUsers(),
    introspectionSecret: INTROSPECTION_SECRET,
    // Separate buckets per test (x-contract-bucket) so the flood test cannot starve the others.
    registration: {
      rateLimit: {
        max: 10,
        windowSeconds: 60,
        key: (request) => request.headers['x-contract-bucket'] ?? 'default',
      },
    },
    ...overrides,
  };
}

/** The resource servers' shared secret at the introspection endpoint. */
export const INTROSPECTION_SECRET = 'contract-introspection-secret-0123456789';

export function buildSpec(
  policy: PolicyEngine,
  options: (origin: string) => AuthorizationServerOptions,
  sdk: ContractSdk = 'v2',
): ContractServerSpec {
  return {
    policy,
    tools: CONTRACT_TOOLS,
    sdk,
    createServer: (origin) => createAuthorizationServer(options(origin)),
  };
}

/** Listens on a free loopback port (port 0) and returns `http://127.0.0.1:<port>`. */
export async function listenLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a Node server, dropping keep-alive connections. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Parses `WWW-Authenticate: Bearer k="v", …` into its parameters. */
export function challengeParams(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header || !/^Bearer\b/i.test(header)) return out;
  for (const match of header.matchAll(/([a-z_]+)="([^"]*)"/g)) out[match[1]!] = match[2]!;
  return out;
}

/** A PKCE pair (RFC 7636 S256). */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = generateCodeVerifier();
  return { verifier, challenge: await computeS256Challenge(verifier) };
}

/** A JSON-RPC request body. */
export function rpc(method: string, params?: Record<string, unknown>, id = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
}

/** Reads a JSON-RPC answer sent either as JSON or as one SSE `message` event. */
export async function readRpc(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const data = text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .find((line) => line.length > 0);
    return JSON.parse(data ?? '{}') as Record<string, unknown>;
  }
  return JSON.parse(text) as Record<string, unknown>;
}
