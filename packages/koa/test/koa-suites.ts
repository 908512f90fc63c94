// The shared adapter cases mounted on a Koa application, written once for every Koa major the
// peer range covers: the *.test.ts files call these with Koa 3, koa2.test.ts with Koa 2.
import { createServer } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type Koa from 'koa';
import { closeServer, listenLoopback } from '../../../test/contract/fixtures.js';
import { defineGuardCases } from '../../../test/contract/guard-cases.js';
import { createUnprotectedMcpServer } from '../../../test/contract/mcp-server.js';
import { listen, RESOURCE_METADATA_URL } from '../../express/test/fixture.js';
import { mcpSdkCases } from '../../express/test/mcp-sdk-cases.js';
import { type Echo, protectionCases } from '../../express/test/protection-cases.js';
import { routerCases } from '../../express/test/router-cases.js';
import { type McpAuthState, mcpAuth, mcpAuthRouter, mcpGuard, requireAuth } from '../src/index.js';
import { bodyParser } from './body-parser.js';

type KoaClass = typeof Koa;

/** {@link routerCases} on `Lib`. */
export function koaRouterSuite(Lib: KoaClass): void {
  routerCases({
    start(server, options = {}) {
      const app = new Lib();
      if (options.formParserFirst) app.use(bodyParser('form'));
      app.use(mcpAuthRouter(server));
      app.use((ctx) => {
        if (ctx.method === 'GET' && ctx.path === '/hello') ctx.body = 'app';
      });
      return listen(app.listen(0, '127.0.0.1'));
    },
    mount: (server) => mcpAuthRouter(server as never),
  });
}

/** {@link protectionCases} on `Lib`. */
export function koaProtectionSuite(Lib: KoaClass): void {
  protectionCases({
    async start(fx, protection, options = {}) {
      const app = new Lib<McpAuthState>();
      if (options.jsonParserFirst) app.use(bodyParser('json'));
      const resourceMetadataUrl = RESOURCE_METADATA_URL;
      const protect =
        protection.kind === 'requireAuth'
          ? requireAuth({
              verifier: fx.verifier,
              resourceMetadataUrl,
              requiredScopes: protection.requiredScopes,
            })
          : mcpGuard({
              verifier: fx.verifier,
              policy: fx.policy,
              resourceMetadataUrl,
              maxBodyBytes: protection.maxBodyBytes,
            });
      app.use(async (ctx, next) => (ctx.path === '/mcp' ? protect(ctx, next) : next()));
      // Stands in for the MCP transport: echoes what the adapter put on ctx.
      app.use((ctx) => {
        fx.state.reached++;
        const auth = ctx.state.auth;
        // The SDK transport reads req.auth: it must be the same object.
        if (auth !== (ctx.req as { auth?: unknown }).auth) throw new Error('ctx.req.auth differs');
        const answer: Echo = {
          auth: auth
            ? {
                ...auth,
                resource: auth.resource?.href,
                extra: { auth: auth.extra?.auth as Record<string, unknown> },
              }
            : null,
          body: (ctx.request as { body?: unknown }).body ?? null,
        };
        ctx.body = answer;
      });
      return listen(app.listen(0, '127.0.0.1'));
    },
    requireAuth: (options) => requireAuth(options as never),
    mcpGuard: (options) => mcpGuard(options as never),
  });
}

/** {@link mcpSdkCases} on `Lib`: the official SDK client through `mcpAuth().mount()`. */
export function koaMcpSdkSuite(Lib: KoaClass): void {
  mcpSdkCases({
    attach(httpServer, server, policy, buildServer) {
      const app = new Lib<McpAuthState>();
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
}

/**
 * The MCP endpoint guard's cases (test/contract/guard-cases.ts) on `Lib`: `mcpAuth().mount()`
 * in front of an McpServer with no in-server protection.
 */
export function koaGuardSuite(Lib: KoaClass, name: string): void {
  defineGuardCases(name, async (spec) => {
    const http = createServer();
    const baseUrl = await listenLoopback(http);
    const server = spec.createServer(baseUrl);
    const app = new Lib<McpAuthState>();
    mcpAuth({ server, policy: spec.policy }).mount(app, async (ctx) => {
      const mcp = createUnprotectedMcpServer(spec.tools);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      ctx.res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      ctx.respond = false; // the transport writes the response itself
      await mcp.connect(transport);
      await transport.handleRequest(ctx.req, ctx.res, ctx.state.body);
    });
    http.on('request', app.callback());
    return {
      baseUrl,
      mcpUrl: server.resource,
      issuer: server.issuer,
      close: () => closeServer(http),
    };
  });
}
