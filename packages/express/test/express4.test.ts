// The shared adapter cases (router, protection, official MCP SDK client) run against
// Express 4, the older major of the peer range `express ^4.21.0 || ^5.0.0`. Express 4 is
// installed under the npm alias `express4` (a devDependency); the other test files of this
// package run the same cases against Express 5. Express 4 has no types of its own under that
// alias: it is loaded with require() and typed with @types/express (Express 5's types; the API
// the adapter and these tests use — express(), use, all, get, listen, json, urlencoded,
// req.body, res.json/send — is the same in both majors).
import { createRequire } from 'node:module';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type express from 'express';
import type { RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type McpAuthRequest,
  mcpAuth,
  mcpAuthRouter,
  mcpGuard,
  requireAuth,
} from '../src/index.js';
import { closeAll, listen, RESOURCE_METADATA_URL } from './fixture.js';
import { mcpSdkCases } from './mcp-sdk-cases.js';
import { type Echo, protectionCases } from './protection-cases.js';
import { routerCases } from './router-cases.js';

const require = createRequire(import.meta.url);
const express4 = require('express4') as typeof express;

afterEach(closeAll);

/** Stands in for the MCP transport: echoes what the adapter put on the request. */
const echo: RequestHandler = (req, res) => {
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

describe('Express 4', () => {
  it('runs on Express 4.x, not on the Express 5 the other tests use', () => {
    expect((require('express4/package.json') as { version: string }).version).toMatch(/^4\./);
    expect((require('express/package.json') as { version: string }).version).toMatch(/^5\./);
    expect(express4).not.toBe(require('express'));
  });

  routerCases({
    start(server, options = {}) {
      const app = express4();
      if (options.formParserFirst) app.use(express4.urlencoded({ extended: false }));
      app.use(mcpAuthRouter(server));
      app.get('/hello', (_req, res) => {
        res.send('app');
      });
      return listen(app.listen(0, '127.0.0.1'));
    },
    mount: (server) => mcpAuthRouter(server as never),
  });

  protectionCases({
    async start(fx, protection, options = {}) {
      const app = express4();
      if (options.jsonParserFirst) app.use(express4.json());
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
      app.all('/mcp', protect, echo);
      return listen(app.listen(0, '127.0.0.1'));
    },
    requireAuth: (options) => requireAuth(options as never),
    mcpGuard: (options) => mcpGuard(options as never),
  });

  mcpSdkCases({
    attach(httpServer, server, policy, buildServer) {
      const app = express4();
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
