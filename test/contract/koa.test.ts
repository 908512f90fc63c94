// The contract suite through @mcp-auth/koa: mcpAuth().mount() in front of an MCP SDK v2 server
// (createMcpHandler served by @modelcontextprotocol/node's toNodeHandler with the guard's parsed
// body, both protocol legs; the default), or an SDK v1 McpServer on a stateless
// StreamableHTTPServerTransport.
import { createServer } from 'node:http';
import { type McpAuthState, mcpAuth } from '@mcp-auth/koa';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpHandler } from '@modelcontextprotocol/server';
import Koa from 'koa';
import { defineAsHardeningCases } from './as-hardening-cases.js';
import { defineDpopCases } from './dpop-cases.js';
import { defineEnterpriseCases } from './enterprise-cases.js';
import { defineMachineClientCases } from './machine-clients-cases.js';
import { definePagesCases } from './pages-cases.js';
import { defineRateLimitCases } from './rate-limit-cases.js';
import { defineKeyRotationCases } from './key-rotation-cases.js';
import { defineObservabilityCases } from './observability-cases.js';
import { closeServer, listenLoopback } from './fixtures.js';
import { createContractMcpServer, createContractMcpServerV2 } from './mcp-server.js';
import { defineContractSuite, type MountContract } from './suite.js';

const mountKoa: MountContract = async (spec) => {
  const http = createServer();
  const baseUrl = await listenLoopback(http);
  const server = spec.createServer(baseUrl);
  const app = new Koa<McpAuthState>();
  const handler =
    spec.sdk === 'v2'
      ? createMcpHandler(() => createContractMcpServerV2(spec.policy, spec.tools))
      : undefined;
  const node = handler ? toNodeHandler(handler) : undefined;
  mcpAuth({ server, policy: spec.policy }).mount(app, async (ctx) => {
    ctx.respond = false; // the MCP handler writes the response itself
    if (node) {
      await node(ctx.req, ctx.res, ctx.state.body);
      return;
    }
    const mcp = createContractMcpServer(spec.policy, spec.tools);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    ctx.res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(ctx.req, ctx.res, ctx.state.body);
  });
  http.on('request', app.callback());
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

defineContractSuite('Koa', mountKoa);
defineAsHardeningCases('Koa', mountKoa);
defineDpopCases('Koa', mountKoa);
defineEnterpriseCases('Koa', mountKoa);
defineMachineClientCases('Koa', mountKoa);
definePagesCases('Koa', mountKoa);
defineRateLimitCases('Koa', mountKoa);
defineKeyRotationCases('Koa', mountKoa);
defineObservabilityCases('Koa', mountKoa);
