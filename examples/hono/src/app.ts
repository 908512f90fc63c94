import { getRequestListener } from '@hono/node-server';
import { createExamplePolicy, registerExampleTools } from '@mcp-auth-examples/shared';
import { type ExampleOptions, startExample } from '@mcp-auth-examples/shared/node';
import { type AuthorizationServer, createFetchMcpGuard, toFetchHandler } from '@mcp-auth/core';
import { protectMcpServer } from '@mcp-auth/sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';

// Shared by every example (../shared): this policy (get_* → read, send_* → write, delete_* →
// admin, whoami for anyone), the four tools, the authorization server with alice, bob, carol.
const policy = createExamplePolicy();

/**
 * The Hono app: Web-standard `Request` → `Response` only, so it runs on Workers, Deno, Bun…
 * (there, make `authServer` with `createExampleAuthorizationServer` from the shared package).
 */
export function createApp(authServer: AuthorizationServer): Hono {
  const oauth = toFetchHandler(authServer);
  const guard = createFetchMcpGuard({
    verifier: authServer.tokenVerifier,
    policy,
    resourceMetadataUrl: authServer.resourceMetadataUrl,
  });

  const app = new Hono();
  // Every OAuth endpoint and both metadata documents (core answers wrong methods with 405).
  // On Node, @hono/node-server keeps the IncomingMessage in c.env.incoming: its peer address
  // buckets per-address limits (registration, login throttling). Other runtimes have their own.
  for (const path of new Set(authServer.routes.map((r) => r.path)))
    app.all(path, (c) =>
      oauth(c.req.raw, {
        remoteAddress: (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
          ?.incoming?.socket?.remoteAddress,
      }),
    );
  app.all('/mcp', async (c) => {
    // Origin / preflight, 401, 403 step-up, 413, 503, parse error, header mismatch and refused
    // calls (the JSON-RPC denied result) at the HTTP edge, answered exactly as core says.
    const outcome = await guard(c.req.raw);
    if (!outcome.ok) return outcome.response;
    const mcp = new McpServer({ name: 'hono-example', version: '1.0.0' });
    registerExampleTools(protectMcpServer(mcp, { policy }));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
    });
    await mcp.connect(transport);
    // respond() adds the guard's headers (CORS for an allowed browser Origin) to the answer.
    return outcome.respond(
      await transport.handleRequest(c.req.raw, {
        authInfo: outcome.authInfo,
        parsedBody: outcome.body,
      }),
    );
  });
  return app;
}

/** Starts the example on Node (`@hono/node-server`); `port: 0` picks a free port. */
export function start(options: ExampleOptions = {}) {
  return startExample(options, policy, ({ authServer }) =>
    getRequestListener(createApp(authServer).fetch),
  );
}
