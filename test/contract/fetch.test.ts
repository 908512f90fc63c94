// The contract suite through the Fetch handler (Web runtimes): core's toFetchHandler for the
// authorization server and core's Fetch MCP guard (createFetchMcpGuard: body cap, 401/403
// step-up, denials answered at the edge, parse error) in front of an MCP SDK v2 server
// (createMcpHandler's `handler.fetch(request, { authInfo, parsedBody })`, both protocol legs; the
// default) or the SDK v1 web-standard Streamable HTTP transport, served on Node by
// @hono/node-server.
import type { Server } from 'node:http';
import { createFetchMcpGuard, toFetchHandler } from '@mcp-auth/core';
import { createAdaptorServer, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { closeServer, listenLoopback } from './fixtures.js';
import { defineAsHardeningCases } from './as-hardening-cases.js';
import { defineDpopCases } from './dpop-cases.js';
import { defineEnterpriseCases } from './enterprise-cases.js';
import { defineMachineClientCases } from './machine-clients-cases.js';
import { definePagesCases } from './pages-cases.js';
import { defineRateLimitCases } from './rate-limit-cases.js';
import { defineKeyRotationCases } from './key-rotation-cases.js';
import { defineObservabilityCases } from './observability-cases.js';
import { defineGuardCases } from './guard-cases.js';
import {
  createContractMcpServer,
  createContractMcpServerV2,
  createUnprotectedMcpServer,
} from './mcp-server.js';
import { defineContractSuite, type MountContract } from './suite.js';

const mountFetch: MountContract = async (spec) => {
  let handle: (request: Request, connection: { remoteAddress?: string }) => Promise<Response> =
    async () => new Response(null, { status: 503 });
  // The connection's address, as a Web runtime hands it over (Hono on Node: env.incoming).
  const http = createAdaptorServer({
    fetch: (request: Request, env: HttpBindings | Http2Bindings) =>
      handle(request, { remoteAddress: env.incoming.socket.remoteAddress }),
  }) as Server;
  const baseUrl = await listenLoopback(http);
  const server = spec.createServer(baseUrl);
  const authorizationServer = toFetchHandler(server);
  const guard = createFetchMcpGuard({
    verifier: server.tokenVerifier,
    policy: spec.policy,
    resourceMetadataUrl: server.resourceMetadataUrl,
    ...(server.dpop === undefined ? {} : { dpop: server.dpop }),
    // The server's tracing and audit trail cover the MCP endpoint too.
    instrumentation: server.instrumentation,
    audit: server.audit,
  });
  const mcpPath = new URL(server.resource).pathname;
  const handler =
    spec.sdk === 'v2'
      ? createMcpHandler(() => createContractMcpServerV2(spec.policy, spec.tools))
      : undefined;

  const mcp = async (request: Request): Promise<Response> => {
    const outcome = await guard(request);
    if (!outcome.ok) return outcome.response;
    const context = { authInfo: outcome.authInfo, parsedBody: outcome.body };
    if (handler) return outcome.respond(await handler.fetch(request, context));
    const mcpServer = createContractMcpServer(spec.policy, spec.tools);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await mcpServer.connect(transport);
    return outcome.respond(await transport.handleRequest(request, context));
  };
  handle = (request, connection) =>
    new URL(request.url).pathname === mcpPath
      ? mcp(request)
      : authorizationServer(request, connection);

  return {
    baseUrl,
    mcpUrl: server.resource,
    issuer: server.issuer,
    server,
    close: async () => {
      await handler?.close();
      await closeServer(http);
    },
  };
};

defineContractSuite('Fetch handler', mountFetch);
defineAsHardeningCases('Fetch handler', mountFetch);
defineDpopCases('Fetch handler', mountFetch);
defineEnterpriseCases('Fetch handler', mountFetch);
defineMachineClientCases('Fetch handler', mountFetch);
definePagesCases('Fetch handler', mountFetch);
defineRateLimitCases('Fetch handler', mountFetch);
defineKeyRotationCases('Fetch handler', mountFetch);
defineObservabilityCases('Fetch handler', mountFetch);

// The guard alone (no protectMcpServer) in front of the SDK's web-standard transport.
defineGuardCases('Fetch handler', async (spec) => {
  let handle: (request: Request) => Promise<Response> = async () =>
    new Response(null, { status: 503 });
  const http = createAdaptorServer({ fetch: (request: Request) => handle(request) }) as Server;
  const baseUrl = await listenLoopback(http);
  const server = spec.createServer(baseUrl);
  const authorizationServer = toFetchHandler(server);
  const guard = createFetchMcpGuard({
    verifier: server.tokenVerifier,
    policy: spec.policy,
    resourceMetadataUrl: server.resourceMetadataUrl,
  });
  const mcpPath = new URL(server.resource).pathname;
  const mcp = async (request: Request): Promise<Response> => {
    const outcome = await guard(request);
    if (!outcome.ok) return outcome.response;
    const mcpServer = createUnprotectedMcpServer(spec.tools);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await mcpServer.connect(transport);
    return outcome.respond(
      await transport.handleRequest(request, {
        authInfo: outcome.authInfo,
        parsedBody: outcome.body,
      }),
    );
  };
  handle = (request) =>
    new URL(request.url).pathname === mcpPath ? mcp(request) : authorizationServer(request);
  return {
    baseUrl,
    mcpUrl: server.resource,
    issuer: server.issuer,
    close: () => closeServer(http),
  };
});
