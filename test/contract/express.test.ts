// The contract suite through @mcp-auth/express: mcpAuth().mount() in front of an MCP SDK v2
// server (createMcpHandler served by @modelcontextprotocol/node's toNodeHandler, both protocol
// legs; the default), or an SDK v1 McpServer on a stateless StreamableHTTPServerTransport.
import { createServer } from 'node:http';
import { mcpAuth } from '@mcp-auth/express';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpHandler } from '@modelcontextprotocol/server';
import express, { type RequestHandler } from 'express';
import { defineAsHardeningCases } from './as-hardening-cases.js';
import { defineDpopCases } from './dpop-cases.js';
import { defineEnterpriseCases } from './enterprise-cases.js';
import { defineGrantableCases } from './grantable-cases.js';
import { defineMachineClientCases } from './machine-clients-cases.js';
import { definePagesCases } from './pages-cases.js';
import { defineRateLimitCases } from './rate-limit-cases.js';
import { defineKeyRotationCases } from './key-rotation-cases.js';
import { defineObservabilityCases } from './observability-cases.js';
import type { ContractServerSpec } from './fixtures.js';
import { closeServer, listenLoopback } from './fixtures.js';
import { createContractMcpServer, createContractMcpServerV2 } from './mcp-server.js';
import { defineContractSuite, type MountContract } from './suite.js';

function mcpEndpoint(spec: ContractServerSpec): { serve: RequestHandler; close(): Promise<void> } {
  if (spec.sdk === 'v2') {
    const handler = createMcpHandler(() => createContractMcpServerV2(spec.policy, spec.tools));
    const node = toNodeHandler(handler);
    return {
      serve: (req, res, next) => {
        node(req, res, req.body).catch(next);
      },
      close: () => handler.close(),
    };
  }
  return {
    serve: (req, res, next) => {
      const mcp = createContractMcpServer(spec.policy, spec.tools);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      mcp
        .connect(transport)
        .then(() => transport.handleRequest(req, res, req.body))
        .catch(next);
    },
    close: async () => {},
  };
}

const mountExpress: MountContract = async (spec) => {
  const http = createServer();
  const baseUrl = await listenLoopback(http);
  const server = spec.createServer(baseUrl);
  const app = express();
  const endpoint = mcpEndpoint(spec);
  mcpAuth({ server, policy: spec.policy }).mount(app, endpoint.serve);
  http.on('request', app);
  return {
    baseUrl,
    mcpUrl: server.resource,
    issuer: server.issuer,
    server,
    close: async () => {
      await endpoint.close();
      await closeServer(http);
    },
  };
};

defineContractSuite('Express', mountExpress);
defineAsHardeningCases('Express', mountExpress);
defineDpopCases('Express', mountExpress);
defineEnterpriseCases('Express', mountExpress);
defineMachineClientCases('Express', mountExpress);
definePagesCases('Express', mountExpress);
defineRateLimitCases('Express', mountExpress);
defineKeyRotationCases('Express', mountExpress);
defineObservabilityCases('Express', mountExpress);
defineGrantableCases('Express', mountExpress);
