// The shared adapter cases mounted on an Express application, written once for every Express
// major the peer range covers: the *.test.ts files call these with Express 5, express4.test.ts
// with Express 4.
import { createServer } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type express from 'express';
import { closeServer, listenLoopback } from '../../../test/contract/fixtures.js';
import { defineGuardCases } from '../../../test/contract/guard-cases.js';
import { createUnprotectedMcpServer } from '../../../test/contract/mcp-server.js';
import type { RequestHandler } from 'express';
import {
  type McpAuthRequest,
  mcpAuth,
  mcpAuthRouter,
  mcpGuard,
  requireAuth,
} from '../src/index.js';
import { listen, RESOURCE_METADATA_URL } from './fixture.js';
import { mcpSdkCases } from './mcp-sdk-cases.js';
import { type Echo, protectionCases } from './protection-cases.js';
import { routerCases } from './router-cases.js';

type Express = typeof express;

/** Stands in for the MCP transport: counts its calls and echoes what the adapter put on the request. */
const echo =
  (state: { reached: number }): RequestHandler =>
  (req, res) => {
    state.reached++;
    const auth = (req as McpAuthRequest).auth;
    const answer: Echo = {
      auth: auth
        ? {
            ...auth,
            resource: auth.resource?.href,
            extra: { auth: auth.extra?.auth as Record<string, unknown> },
          }
        : null,
      body: req.body ?? null,
    };
    res.json(answer);
  };

/** {@link routerCases} on `lib`. */
export function expressRouterSuite(lib: Express): void {
  routerCases({
    start(server, options = {}) {
      const app = lib();
      if (options.formParserFirst) app.use(lib.urlencoded({ extended: false }));
      app.use(mcpAuthRouter(server));
      app.get('/hello', (_req, res) => {
        res.send('app');
      });
      return listen(app.listen(0, '127.0.0.1'));
    },
    mount: (server) => mcpAuthRouter(server as never),
  });
}

/** {@link protectionCases} on `lib`. */
export function expressProtectionSuite(lib: Express): void {
  protectionCases({
    async start(fx, protection, options = {}) {
      const app = lib();
      if (options.jsonParserFirst) app.use(lib.json());
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
      app.all('/mcp', protect, echo(fx.state));
      return listen(app.listen(0, '127.0.0.1'));
    },
    requireAuth: (options) => requireAuth(options as never),
    mcpGuard: (options) => mcpGuard(options as never),
  });
}

/** {@link mcpSdkCases} on `lib`: the official SDK client through `mcpAuth().mount()`. */
export function expressMcpSdkSuite(lib: Express): void {
  mcpSdkCases({
    attach(httpServer, server, policy, buildServer) {
      const app = lib();
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
}

/**
 * The MCP endpoint guard's cases (test/contract/guard-cases.ts) on `lib`: `mcpAuth().mount()`
 * in front of an McpServer with no in-server protection.
 */
export function expressGuardSuite(lib: Express, name: string): void {
  defineGuardCases(name, async (spec) => {
    const http = createServer();
    const baseUrl = await listenLoopback(http);
    const server = spec.createServer(baseUrl);
    const app = lib();
    mcpAuth({ server, policy: spec.policy }).mount(app, (req, res, next) => {
      const mcp = createUnprotectedMcpServer(spec.tools);
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
      close: () => closeServer(http),
    };
  });
}
