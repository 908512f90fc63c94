// The Node side of the examples (`@mcp-auth-examples/shared/node`): where they listen and
// which origin and secret they use, read from the environment.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSecret } from '@mcp-auth/core';

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

/**
 * Starts a Node HTTP server with no handler yet: the issuer is the URL really listened on
 * (port 0 included), so the app is built after this and attached with
 * `server.on('request', handler)`. `host` is the address listened on.
 */
export async function listenExample(
  options: ExampleOptions = {},
): Promise<{ server: Server; host: string; example: RunningExample }> {
  const { host, port } = exampleAddress(options);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(port, host, resolve);
  });
  const url = exampleOrigin(host, (server.address() as AddressInfo).port);
  const close = () =>
    new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections());
  return { server, host, example: { url, mcpUrl: `${url}/mcp`, close } };
}
