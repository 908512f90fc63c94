// FastMCPAuthWrapper's `dpopRequired`: with the embedded authorization server's DPoP on, the MCP
// endpoint refuses Bearer tokens with a DPoP challenge (RFC 9449 §7.1); without DPoP on the
// server the option is a TypeError at construction.
import { createServer } from 'node:net';
import {
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
  generateSecret,
} from '@mcp-auth/core';
import { computeS256Challenge, generateCodeVerifier } from '@mcp-auth/core/testing';
import { FastMCP } from 'fastmcp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AuthenticatedFastMCP, FastMCPAuthWrapper } from '../src/index.js';

const quiet = { debug() {}, error() {}, info() {}, log() {}, warn() {} };

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function embedded(origin: string, dpop: boolean) {
  return createAuthorizationServer({
    issuer: origin,
    resource: `${origin}/mcp`,
    signingKey: generateSecret(),
    policy: createDefaultPolicies(),
    dpop,
    identityProvider: new DevIdentityProvider({
      iterations: 10_000,
      users: [{ username: 'alice', password: 'demo', scopes: ['mcp:tools:read'], attributes: {} }],
    }),
  });
}

describe('FastMCPAuthWrapper dpopRequired', () => {
  let origin: string;
  let server: AuthenticatedFastMCP;
  let bearer: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const as = embedded(origin, true);
    const policy = createDefaultPolicies();
    const auth = new FastMCPAuthWrapper({ policy, authorizationServer: as, dpopRequired: true });
    server = auth.protect(
      new FastMCP({ ...auth.serverOptions(), name: 'dpop', version: '1.0.0', logger: quiet }),
    );
    server.addTool({
      name: 'get_weather',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => `sunny in ${city}`,
    });
    await server.start({
      transportType: 'httpStream',
      httpStream: { port, host: '127.0.0.1', stateless: true },
    });
    const tokens = await as.tokenService();
    const verifier = generateCodeVerifier();
    const code = await tokens.issueAuthorizationCode({
      clientId: 'test-client',
      redirectUri: 'http://127.0.0.1/cb',
      codeChallenge: await computeS256Challenge(verifier),
      codeChallengeMethod: 'S256',
      scopes: ['mcp:tools:read'],
      resource: `${origin}/mcp`,
      identity: { sub: 'alice', attributes: {}, grantableScopes: ['mcp:tools:read'] },
    });
    const answer = await tokens.redeemAuthorizationCode({
      code,
      clientId: 'test-client',
      redirectUri: 'http://127.0.0.1/cb',
      codeVerifier: verifier,
    });
    bearer = answer.access_token;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const post = (headers: Record<string, string>) =>
    fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });

  it('a valid Bearer token → 401 with a DPoP challenge (invalid_token)', async () => {
    const response = await post({ authorization: `Bearer ${bearer}` });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
    expect(await response.text()).not.toContain(bearer);
  });

  it('no credentials → 401 offering the DPoP scheme only, with resource_metadata and algs', async () => {
    const response = await post({});
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^DPoP resource_metadata="[^"]+", .*algs="ES256/,
    );
  });

  it('the protected-resource metadata says dpop_bound_access_tokens_required (RFC 9728 §2)', async () => {
    const response = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      resource: `${origin}/mcp`,
      dpop_bound_access_tokens_required: true,
    });
  });

  it('dpopRequired without DPoP on the authorization server → TypeError', () => {
    expect(
      () =>
        new FastMCPAuthWrapper({
          policy: createDefaultPolicies(),
          authorizationServer: embedded('http://127.0.0.1:1', false),
          dpopRequired: true,
        }),
    ).toThrow(TypeError);
  });
});
