import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import Koa from 'koa';
import { afterEach, describe } from 'vitest';
import { closeAll } from '../../express/test/fixture.js';
import { mcpSdkCases } from '../../express/test/mcp-sdk-cases.js';
import { type McpAuthState, mcpAuth } from '../src/index.js';

afterEach(closeAll);

describe('Koa', () => {
  mcpSdkCases({
    attach(httpServer, server, policy, buildServer) {
      const app = new Koa<McpAuthState>();
      mcpAuth({ server, policy }).mount(app, async (ctx) => {
        const mcp = buildServer();
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        ctx.res.on('close', () => {
          void transport.close();
          void mcp.close();
        });
        ctx.respond = false; // the transport writes the response itself
        await mcp.connect(transport);
        await transport.handleRequest(ctx.req, ctx.res, ctx.state.body);
      });
      httpServer.on('request', app.callback());
    },
    mcpAuth: (options) => mcpAuth(options as never),
  });
});
