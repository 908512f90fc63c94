/**
 * `http.toolscall.sdk-jose`: the tool server behind the MCP SDK's own `requireBearerAuth` with
 * a `jose` HS256 verifier (`jwtVerify` with the secret key; issuer, audience, `typ: at+jwt`),
 * the way an SDK user protects a server without mcp-auth. No revocation check, no policy.
 */
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import express from 'express';
import {
  benchLayout,
  createMcpHandler,
  createToolServer,
  MCP_PATH,
  RESOURCE,
  serve,
} from './common.js';
import { verifyAccessToken } from './sdk-jose-verifier.js';

const app = express();
app.all(
  MCP_PATH,
  requireBearerAuth({
    verifier: { verifyAccessToken },
    resourceMetadataUrl: `${new URL(RESOURCE).origin}/.well-known/oauth-protected-resource/mcp`,
  }),
  express.json({ limit: '4mb' }),
  createMcpHandler({
    layout: benchLayout(),
    createServer: createToolServer,
    ownerOf: (req) => {
      const auth = (req as { auth?: AuthInfo }).auth;
      return auth ? `${String(auth.extra?.['sub'])}\n${auth.clientId}` : undefined;
    },
  }),
);
await serve(app);
