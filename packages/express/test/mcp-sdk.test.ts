import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { afterEach, describe } from 'vitest';
import { mcpAuth } from '../src/index.js';
import { closeAll } from './fixture.js';
import { mcpSdkCases } from './mcp-sdk-cases.js';

afterEach(closeAll);

describe('Express', () => {
  mcpSdkCases({
    attach(httpServer, server, policy, buildServer) {
      const app = express();
      mcpAuth({ server, policy }).mount(app, (req, res, next) => {
        const mcp = buildServer();
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
      httpServer.on('request', app);
    },
    mcpAuth: (options) => mcpAuth(options as never),
  });
});
