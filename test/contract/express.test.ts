// The contract suite through @mcp-auth/express: mcpAuth().mount() in front of an SDK McpServer
// on a stateless StreamableHTTPServerTransport.
import { createServer } from 'node:http';
import { mcpAuth } from '@mcp-auth/express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { closeServer, listenLoopback } from './fixtures.js';
import { createContractMcpServer } from './mcp-server.js';
import { defineContractSuite } from './suite.js';

defineContractSuite('Express', async (spec) => {
  const http = createServer();
  const baseUrl = await listenLoopback(http);
  const server = spec.createServer(baseUrl);
  const app = express();
  mcpAuth({ server, policy: spec.policy }).mount(app, (req, res, next) => {
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
  });
  http.on('request', app);
  return {
    baseUrl,
    mcpUrl: server.resource,
    issuer: server.issuer,
    server,
    close: () => closeServer(http),
  };
});
