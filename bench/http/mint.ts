/**
 * The access token the HTTP benchmark drives its protected servers with: a real one from core's
 * token service (a code issued and redeemed with PKCE), for `mcp:tools:read`, signed with the
 * secret the server children verify with (`MCP_AUTH_BENCH_SECRET`).
 */
import { randomBytes } from 'node:crypto';
import { computeS256Challenge } from '../../packages/core/src/testing/index.js';
import { createSecretKey, MemoryStore } from '../../packages/core/src/index.node.js';
import { createTokenService } from '../../packages/core/src/internal.js';
import { ISSUER, RESOURCE } from './common.js';

/** A real access token from core's token service (code issued and redeemed with PKCE). */
export async function mintAccessToken(secret: string): Promise<string> {
  const tokens = createTokenService({
    store: new MemoryStore(),
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: await createSecretKey(secret),
  });
  const verifier = randomBytes(32).toString('base64url');
  const code = await tokens.issueAuthorizationCode({
    clientId: 'bench-client',
    redirectUri: 'http://127.0.0.1/callback',
    codeChallenge: await computeS256Challenge(verifier),
    codeChallengeMethod: 'S256',
    scopes: ['mcp:tools:read'],
    resource: RESOURCE,
    identity: { sub: 'alice', attributes: { role: 'viewer' }, grantableScopes: [] },
  });
  const response = await tokens.redeemAuthorizationCode({
    code,
    clientId: 'bench-client',
    redirectUri: 'http://127.0.0.1/callback',
    codeVerifier: verifier,
  });
  return response.access_token;
}
