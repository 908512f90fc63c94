import Koa from 'koa';
import { afterEach, describe } from 'vitest';
import { closeAll, listen, RESOURCE_METADATA_URL } from '../../express/test/fixture.js';
import { type Echo, protectionCases } from '../../express/test/protection-cases.js';
import { type McpAuthState, mcpGuard, requireAuth } from '../src/index.js';
import { bodyParser } from './body-parser.js';

afterEach(closeAll);

describe('Koa', () => {
  protectionCases({
    async start(fx, protection, options = {}) {
      const app = new Koa<McpAuthState>();
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
});
