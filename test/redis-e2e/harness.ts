// Demo server processes for the Redis end-to-end tests: examples/demo in Redis mode
// (MCP_AUTH_REDIS_URL), spawned as separate Node processes, plus the OAuth steps driven by hand.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { authorizeWithForms } from '@mcp-auth/core/testing';
import { stop, track, waitUntil } from '../support/processes.js';

export { freePort, stopAll, TestRedis } from '../support/processes.js';

const DEMO_DIR = fileURLToPath(new URL('../../examples/demo/', import.meta.url));

/** A demo server process (examples/demo) in Redis mode. */
export interface DemoProcess {
  /** Where this process listens, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `examples/demo` as its own Node process. Instances of one deployment share `issuer`
 * (the public origin), `JWT_SECRET` (token and cookie keys) and the Redis URL.
 */
export async function startDemo(options: {
  port: number;
  issuer: string;
  jwtSecret: string;
  redisUrl: string;
}): Promise<DemoProcess> {
  const child = track(
    spawn(process.execPath, ['--conditions=@mcp-auth/source', '--import', 'tsx', 'src/server.ts'], {
      cwd: DEMO_DIR,
      env: {
        ...process.env,
        PORT: String(options.port),
        HOST: '127.0.0.1',
        MCP_AUTH_ISSUER: options.issuer,
        JWT_SECRET: options.jwtSecret,
        MCP_AUTH_REDIS_URL: options.redisUrl,
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`the demo exited:\n${out}`);
      return (await fetch(`${url}/healthz`)).ok;
    }, `the demo on ${url}`);
  } catch (error) {
    await stop(child);
    throw error;
  }
  return { url, child, output: () => out, stop: () => stop(child) };
}

/** A public OAuth client registered with PKCE, and what it needs to authorize. */
export interface TestClient {
  readonly clientId: string;
  readonly redirectUri: string;
}

export const REDIRECT_URI = 'http://127.0.0.1/callback';

/** RFC 7591 registration of a public client at `base`. */
export async function register(base: string): Promise<Response> {
  return fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'redis-e2e',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  });
}

/** An authorization code from the real login + consent forms, with its PKCE verifier. */
export interface Authorization {
  readonly code: string;
  readonly verifier: string;
}

/**
 * Runs the authorization endpoint at `base` (the issuer's origin) as `username`, through the
 * real forms, and returns the code and the PKCE verifier.
 */
export async function authorize(
  base: string,
  clientId: string,
  resource: string,
  username = 'carol',
  scope = 'mcp:tools:read',
): Promise<Authorization> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(8).toString('hex');
  const url = new URL(`${base}/authorize`);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    scope,
    resource,
  })) {
    url.searchParams.set(name, value);
  }
  const result = await authorizeWithForms({
    fetch: (request) => fetch(request),
    authorizationUrl: url,
    username,
    password: 'demo',
  });
  if (result.state !== state) throw new Error('state mismatch');
  if (!result.code) throw new Error(`authorization failed: ${result.error ?? 'no code'}`);
  return { code: result.code, verifier };
}

/** POSTs a form to the token endpoint at `base`. */
export function tokenRequest(base: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Redeems a code at `base` (RFC 6749 §4.1.3 with PKCE). */
export function redeem(
  base: string,
  clientId: string,
  authorization: Authorization,
  resource: string,
): Promise<Response> {
  return tokenRequest(base, {
    grant_type: 'authorization_code',
    code: authorization.code,
    code_verifier: authorization.verifier,
    redirect_uri: REDIRECT_URI,
    client_id: clientId,
    resource,
  });
}

/** An MCP `initialize` at `base`/mcp with a bearer token; returns the status (body discarded). */
export async function mcpInitialize(base: string, token: string): Promise<Response> {
  const res = await fetch(`${base}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'redis-e2e', version: '1.0.0' },
      },
    }),
  });
  await res.body?.cancel().catch(() => {});
  return res;
}

/** Revokes a token at `base` (RFC 7009, public client). */
export async function revoke(base: string, token: string, clientId: string): Promise<Response> {
  return fetch(`${base}/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: clientId }).toString(),
  });
}
