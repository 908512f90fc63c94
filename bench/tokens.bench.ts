/**
 * Token-service benchmarks (issue 4). Ratios are against `tokens.sign-floor`: signing one
 * access token with the same key and claims, the least any issuance must do.
 *
 * The store is cleared every few thousand operations so it stays at a realistic size:
 * MemoryStore's periodic sweep costs grow with the number of live entries.
 */
import { computeS256Challenge } from '../packages/core/src/testing/index.js';
import { createSecretKey, MemoryStore } from '../packages/core/src/index.node.js';
import { createTokenService } from '../packages/core/src/internal.js';
import { handleTokenRequest } from '../packages/core/src/server/token-endpoint.js';
import { signJwt } from '../packages/core/src/jwt.js';
import type { Bench } from './harness.js';

const ISSUER = 'https://as.example.com';
const RESOURCE = 'https://mcp.example.com/mcp';
const VERIFIER = 'v'.repeat(43);
const identity = { sub: 'user-1', attributes: { role: 'admin' }, grantableScopes: [] };

export default async function tokensBench(bench: Bench): Promise<void> {
  const key = await createSecretKey(crypto.getRandomValues(new Uint8Array(32)));
  const store = new MemoryStore({ maxEntries: 2_000_000 });
  const tokens = createTokenService({ store, issuer: ISSUER, resource: RESOURCE, signingKey: key });
  const challenge = await computeS256Challenge(VERIFIER);
  const scopes = ['mcp:tools:get_weather', 'mcp:tools:send_email'];
  let ops = 0;
  const bounded = () => {
    if (++ops % 4096 === 0) store.clear();
  };
  const issue = () =>
    tokens.issueAuthorizationCode({
      clientId: 'client-abc',
      redirectUri: 'https://app.example.com/cb',
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      scopes,
      resource: RESOURCE,
      identity,
    });

  bench.needBaseline('tokens.sign-floor');
  const now = Math.floor(Date.now() / 1000);
  await bench.run('tokens.sign-floor', () =>
    signJwt(
      {
        iss: ISSUER,
        sub: 'user-1',
        aud: RESOURCE,
        exp: now + 3600,
        iat: now,
        jti: 'jti-1',
        client_id: 'client-abc',
        scope: scopes.join(' '),
        mcp_tool_scopes: scopes,
        grant_id: 'grant-1',
        role: 'admin',
      },
      key,
      { typ: 'at+jwt' },
    ),
  );

  await bench.run(
    'tokens.issue-code',
    () => {
      bounded();
      return issue();
    },
    {
      baseline: 'tokens.sign-floor',
      target: 'ratio <= 3',
    },
  );

  await bench.run(
    'tokens.issue-and-redeem-code',
    async () => {
      bounded();
      const code = await issue();
      await tokens.redeemAuthorizationCode({
        code,
        clientId: 'client-abc',
        redirectUri: 'https://app.example.com/cb',
        codeVerifier: VERIFIER,
      });
    },
    { baseline: 'tokens.sign-floor', target: 'ratio <= 6' },
  );

  const seed = async () =>
    (
      await tokens.redeemAuthorizationCode({
        code: await issue(),
        clientId: 'client-abc',
        redirectUri: 'https://app.example.com/cb',
        codeVerifier: VERIFIER,
      })
    ).refresh_token!;
  let refreshToken = await seed();
  const boundedRefresh = async () => {
    if (++ops % 4096 === 0) {
      store.clear();
      refreshToken = await seed();
    }
  };
  await bench.run(
    'tokens.refresh-rotation',
    async () => {
      await boundedRefresh();
      refreshToken = (await tokens.refresh({ refreshToken, clientId: 'client-abc' }))
        .refresh_token!;
    },
    { baseline: 'tokens.sign-floor', target: 'ratio <= 5' },
  );

  const clients = {
    getClient: async (clientId: string) =>
      clientId === 'client-abc'
        ? {
            clientId,
            redirectUris: ['https://app.example.com/cb'],
            tokenEndpointAuthMethod: 'none' as const,
            grantTypes: ['authorization_code', 'refresh_token'],
            responseTypes: ['code'],
            clientIdIssuedAt: now,
            source: 'static' as const,
          }
        : undefined,
  };
  await bench.run(
    'tokens.token-endpoint-refresh',
    async () => {
      await boundedRefresh();
      const response = await handleTokenRequest(
        {
          method: 'POST',
          url: new URL(`${ISSUER}/token`),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `grant_type=refresh_token&client_id=client-abc&refresh_token=${refreshToken}`,
        },
        { tokens, clients },
      );
      refreshToken = (JSON.parse(response.body!) as { refresh_token: string }).refresh_token;
    },
    { baseline: 'tokens.sign-floor', target: 'ratio <= 6' },
  );

  const verifier = tokens.createAccessTokenVerifier();
  const { access_token } = await tokens.redeemAuthorizationCode({
    code: await issue(),
    clientId: 'client-abc',
    redirectUri: 'https://app.example.com/cb',
    codeVerifier: VERIFIER,
  });
  await bench.run('tokens.verify-with-revocation-check', () => verifier.verify(access_token), {
    baseline: 'tokens.sign-floor',
    target: 'ratio <= 1',
  });
}
