// The Node side of the examples (`@mcp-auth-examples/shared/node`): the environment they read
// (PORT, HOST, MCP_AUTH_ISSUER, MCP_AUTH_SECRET) and `startExample`, which serves one on Node.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthorizationServer, generateSecret, type PolicyEngine } from '@mcp-auth/core';
import { createExampleAuthorizationServer } from './authorization-server.js';

/**
 * Node's limits on a slow client (issue 12 item 1): a request's headers must arrive within 10 s
 * and the whole request (headers and body) within 30 s, so a client trickling bytes cannot hold
 * a connection (and the memory of a half-read body) open. Responses are not limited: an SSE
 * stream may stay open.
 */
export const SERVER_TIMEOUTS = Object.freeze({
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  /** How often Node looks for requests past those limits (its default is 30 s). */
  connectionsCheckingInterval: 2_000,
});

/** How a test or `server.ts` starts an example: `port: 0` picks a free port. */
export interface ExampleOptions {
  /** Default: `PORT`, else 3000. */
  readonly port?: number;
  /** Default: `HOST`, else `127.0.0.1`. */
  readonly host?: string;
}

/** A started example. */
export interface RunningExample {
  /** The public origin (the issuer). */
  readonly url: string;
  /** The MCP endpoint, `<url>/mcp`. */
  readonly mcpUrl: string;
  close(): Promise<void>;
}

/** The host and port to listen on: the options, then `HOST` / `PORT`, then 127.0.0.1:3000. */
export function exampleAddress(options: ExampleOptions = {}): { host: string; port: number } {
  return {
    host: options.host ?? process.env['HOST'] ?? '127.0.0.1',
    port: options.port ?? Number(process.env['PORT'] ?? 3000),
  };
}

/**
 * The public origin, which is the issuer (the MCP URL is `<origin>/mcp`): `MCP_AUTH_ISSUER`
 * behind a proxy, else `http://<host>:<port>` as listened on.
 */
export function exampleOrigin(host: string, port: number): string {
  return process.env['MCP_AUTH_ISSUER'] ?? `http://${host}:${port}`;
}

/** `MCP_AUTH_SECRET` (HS256, ≥ 32 bytes), else a random secret per start. */
export function exampleSigningKey(): string {
  return process.env['MCP_AUTH_SECRET'] ?? generateSecret();
}

/** What {@link startExample} hands the example's framework code. */
export interface ExampleMount {
  /** The embedded authorization server, ready: its routes, verifier and metadata URL. */
  readonly authServer: AuthorizationServer;
  /** The address listened on (e.g. for the SDK's DNS-rebinding guard). */
  readonly host: string;
}

/**
 * Starts an example on Node: listens first (the issuer is the URL really listened on, port 0
 * included, or `MCP_AUTH_ISSUER`), then creates the authorization server
 * ({@link createExampleAuthorizationServer}: the demo users, `policy`,
 * {@link exampleSigningKey}) and serves what `mount` builds with it, with
 * {@link SERVER_TIMEOUTS}.
 */
export async function startExample(
  options: ExampleOptions,
  policy: PolicyEngine,
  mount: (context: ExampleMount) => RequestListener | Promise<RequestListener>,
): Promise<RunningExample> {
  const { host, port } = exampleAddress(options);
  const server = createServer({ ...SERVER_TIMEOUTS });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(port, host, resolve);
  });
  const url = exampleOrigin(host, (server.address() as AddressInfo).port);
  const close = () =>
    new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections());
  try {
    const signingKey = exampleSigningKey();
    const authServer = await createExampleAuthorizationServer({ url, policy, signingKey });
    server.on('request', await mount({ authServer, host }));
  } catch (error) {
    await close();
    throw error;
  }
  return { url, mcpUrl: `${url}/mcp`, close };
}
