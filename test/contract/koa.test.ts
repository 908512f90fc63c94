// The contract suite through @mcp-auth/koa: mcpAuth().mount() in front of an SDK McpServer on
// a stateless StreamableHTTPServerTransport.
import { createServer } from 'node:http';
import { type McpAuthState, mcpAuth } from '@mcp-auth/koa';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import Koa from 'koa';
import { closeServer, listenLoopback } from './fixtures.js';
import { createContractMcpServer } from './mcp-server.js';
import { defineContractSuite } from './suite.js';

defineContractSuite('Koa', async (spec) => {
  const http = createServer();
  const baseUrl = await listenLoopback(http);
  const server = spec.createServer(baseUrl);
  const app = new Koa<McpAuthState>();
  mcpAuth({ server, policy: spec.policy }).mount(app, async (ctx) => {
    const mcp = createContractMcpServer(spec.policy, spec.tools);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    ctx.res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    ctx.respond = false; // the transport writes the response itself
    await mcp.connect(transport);
    await transport.handleRequest(ctx.req, ctx.res, (ctx.request as { body?: unknown }).body);
  });
  http.on('request', app.callback());
  return {
    baseUrl,
    mcpUrl: server.resource,
    issuer: server.issuer,
    server,
    close: () => closeServer(http),
  };
});
