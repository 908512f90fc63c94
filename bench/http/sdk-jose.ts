/**
 * `http.toolscall.sdk-jose`: the tool server behind the MCP SDK's own `requireBearerAuth` with
 * a `jose` HS256 verifier (`jwtVerify` with the secret key; issuer, audience, `typ: at+jwt`),
 * the way an SDK user protects a server without mcp-auth. No revocation check, no policy.
 */
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import express from 'express';
import { jwtVerify } from 'jose';
import {
  benchLayout,
  benchSecret,
  createMcpHandler,
  createToolServer,
  ISSUER,
  MCP_PATH,
  RESOURCE,
  serve,
} from './common.js';

const key = new TextEncoder().encode(benchSecret());

async function verifyAccessToken(token: string): Promise<AuthInfo> {
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: RESOURCE,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'sub', 'client_id'],
    }));
  } catch {
    throw new InvalidTokenError('The access token is invalid');
  }
  const scope = typeof payload['scope'] === 'string' ? payload['scope'] : '';
  return {
    token,
    clientId: String(payload['client_id']),
    scopes: scope.split(' ').filter((s) => s.length > 0),
    ...(payload.exp === undefined ? {} : { expiresAt: payload.exp }),
    extra: { sub: payload.sub },
  };
}

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
