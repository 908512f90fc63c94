// The shared adapter cases (router, protection, official MCP SDK client) run against Koa 2,
// the older major of the peer range `koa ^2.15.0 || ^3.0.0`. Koa 2 is installed under the npm
// alias `koa2` (a devDependency); the other test files of this package run the same cases
// against Koa 3. Koa 2 has no types of its own under that alias: it is loaded with require()
// and typed with @types/koa (Koa 3's types; the API the adapter and these tests use — use,
// callback, listen, ctx.req/res/request/state/respond — is the same in both majors).
import { createRequire } from 'node:module';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, listen, RESOURCE_METADATA_URL } from '../../express/test/fixture.js';
import { mcpSdkCases } from '../../express/test/mcp-sdk-cases.js';
import { type Echo, protectionCases } from '../../express/test/protection-cases.js';
import { routerCases } from '../../express/test/router-cases.js';
import { type McpAuthState, mcpAuth, mcpAuthRoutes, mcpGuard, requireAuth } from '../src/index.js';
import { bodyParser } from './body-parser.js';

const require = createRequire(import.meta.url);
const Koa2 = require('koa2') as typeof Koa;

afterEach(closeAll);

describe('Koa 2', () => {
  it('runs on Koa 2.x, not on the Koa 3 the other tests use', () => {
    expect((require('koa2/package.json') as { version: string }).version).toMatch(/^2\./);
    expect((require('koa/package.json') as { version: string }).version).toMatch(/^3\./);
    expect(Koa2).not.toBe(require('koa'));
  });

  routerCases({
    start(server, options = {}) {
      const app = new Koa2();
      if (options.formParserFirst) app.use(bodyParser('form'));
      app.use(mcpAuthRoutes(server));
      app.use((ctx) => {
        if (ctx.method === 'GET' && ctx.path === '/hello') ctx.body = 'app';
      });
      return listen(app.listen(0, '127.0.0.1'));
    },
    mount: (server) => mcpAuthRoutes(server as never),
  });

  protectionCases({
    async start(fx, protection, options = {}) {
      const app = new Koa2<McpAuthState>();
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

  mcpSdkCases({
    attach(httpServer, server, policy, buildServer) {
      const app = new Koa2<McpAuthState>();
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
