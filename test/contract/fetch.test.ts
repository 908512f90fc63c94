// The contract suite through the Fetch handler (Web runtimes): core's toFetchHandler for the
// authorization server and core's MCP guard in front of the SDK's web-standard Streamable
// HTTP transport, served on Node by @hono/node-server.
import type { Server } from 'node:http';
import { createMcpGuard, toFetchHandler } from '@mcp-auth/core';
import { createAdaptorServer } from '@hono/node-server';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { closeServer, listenLoopback } from './fixtures.js';
import { createContractMcpServer } from './mcp-server.js';
import { defineContractSuite } from './suite.js';

defineContractSuite('Fetch handler', async (spec) => {
  let handle: (request: Request) => Promise<Response> = async () =>
    new Response(null, { status: 503 });
  const http = createAdaptorServer({ fetch: (request: Request) => handle(request) }) as Server;
  const baseUrl = await listenLoopback(http);
  const server = spec.createServer(baseUrl);
  const authorizationServer = toFetchHandler(server);
  const guard = createMcpGuard({
    verifier: server.tokenVerifier,
    policy: spec.policy,
    resourceMetadataUrl: server.resourceMetadataUrl,
  });
  const mcpPath = new URL(server.resource).pathname;

  const mcp = async (request: Request): Promise<Response> => {
    let body: unknown;
    if (request.method === 'POST') {
      const text = await request.text();
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined; // the transport answers the JSON-RPC parse error
      }
    }
    const decision = await guard.check({
      authorizationHeader: request.headers.get('authorization') ?? undefined,
      body,
    });
    if (decision.kind !== 'ok') {
      return new Response(decision.body, { status: decision.status, headers: decision.headers });
    }
    const mcpServer = createContractMcpServer(spec.policy, spec.tools);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await mcpServer.connect(transport);
    return transport.handleRequest(request, { authInfo: decision.authInfo, parsedBody: body });
  };
  handle = (request) =>
    new URL(request.url).pathname === mcpPath ? mcp(request) : authorizationServer(request);

  return {
    baseUrl,
    mcpUrl: server.resource,
    issuer: server.issuer,
    server,
    close: () => closeServer(http),
  };
});
