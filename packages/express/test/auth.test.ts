import express, { type RequestHandler } from 'express';
import { afterEach, describe } from 'vitest';
import { type McpAuthRequest, mcpGuard, requireAuth } from '../src/index.js';
import { closeAll, listen, RESOURCE_METADATA_URL } from './fixture.js';
import { type Echo, protectionCases } from './protection-cases.js';

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

describe('Express', () => {
  protectionCases({
    async start(fx, protection, options = {}) {
      const app = express();
      if (options.jsonParserFirst) app.use(express.json());
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
});
