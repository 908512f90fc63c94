// A tool asking for the upstream token gets a valid one (issue 15 item 4), end to end: the
// official MCP SDK v2 client signs in through mcp-auth in proxy mode (our consent, then a real
// oidc-provider's login), and calls a tool of an SDK v2 server behind `@mcp-auth/express`. The
// tool reads the caller with `getAuthContext(ctx)` (`@mcp-auth/sdk/v2`) and asks the token
// service for the upstream tokens, then calls the IdP's API (userinfo) with them. The IdP's
// sign-in access token lives 5 s: the second call, after it really expired, gets a refreshed
// one — one refresh at the IdP — and the API accepts it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createDefaultPolicies,
  createAuthorizationServer,
  UpstreamOAuthProvider,
} from '@mcp-auth/core';
import { mcpAuth } from '@mcp-auth/express';
import { getAuthContext, protectMcpServer } from '@mcp-auth/sdk/v2';
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, type Listening, listen } from '../../packages/core/test/upstream/harness.js';
import { closeServer, listenLoopback } from '../contract/fixtures.js';
import { MemoryOAuthClientProviderV2 } from '../contract/oauth-client.js';

const CLIENT_REDIRECT = 'http://127.0.0.1:7777/callback';
const UPSTREAM_CLIENT = 'mcp-proxy-tool';
const UPSTREAM_SECRET = 'upstream-tool-client-secret-0123456789-abcdef';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let idp: Listening;
let provider: Provider;
let http: ReturnType<typeof createServer>;
let baseUrl = '';
let closeMcp: () => Promise<void> = async () => {};
let refreshes = 0;
let signInAccessTtl = 5;

beforeAll(async () => {
  http = createServer();
  baseUrl = await listenLoopback(http);
  let idpHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  idp = await listen((req, res) => idpHandler?.(req, res));
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  provider = new Provider(idp.origin, {
    clients: [
      {
        client_id: UPSTREAM_CLIENT,
        client_secret: UPSTREAM_SECRET,
        redirect_uris: [`${baseUrl}/oauth/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'k' }] },
    cookies: { keys: ['oidc-provider-cookie-key-tool-0123456789'] },
    claims: { openid: ['sub'] },
    pkce: { required: () => true },
    clockTolerance: 0,
    issueRefreshToken: async () => true,
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: (ctx: { oidc?: { params?: { grant_type?: string } } }) =>
        ctx?.oidc?.params?.grant_type === 'refresh_token' ? 3600 : signInAccessTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 3600,
    },
    async findAccount(_ctx: unknown, id: string) {
      return { accountId: id, claims: async () => ({ sub: id }) };
    },
  });
  provider.on('grant.success', (ctx: { oidc: { params?: { grant_type?: string } } }) => {
    if (ctx.oidc.params?.grant_type === 'refresh_token') refreshes++;
  });
  idpHandler = provider.callback();

  const policy = createDefaultPolicies();
  const server = createAuthorizationServer({
    issuer: baseUrl,
    resource: `${baseUrl}/mcp`,
    signingKey: 'upstream-tool-signing-secret-0123456789-abcdefgh',
    policy,
    upstreamEncryptionKey: 'upstream-tool-encryption-key-0123456789-abcdefgh',
    upstreamRefreshSkewSeconds: 1,
    identityProvider: new UpstreamOAuthProvider({
      issuer: idp.origin,
      clientId: UPSTREAM_CLIENT,
      clientSecret: UPSTREAM_SECRET,
      scopes: ['openid'],
      allowInsecureLoopback: true,
      mapIdentity: (user) => ({ sub: `idp|${user.subject}`, grantableScopes: ['mcp:tools:read'] }),
    }),
  });
  // The tool: who am I at the IdP, with the upstream token the token service hands out.
  const handler = createMcpHandler(() => {
    const mcp = protectMcpServer(new McpServer({ name: 'upstream-tool', version: '1.0.0' }), {
      policy,
    });
    mcp.registerTool(
      'get_upstream_profile',
      { description: 'The user at the IdP' },
      async (ctx) => {
        const auth = getAuthContext(ctx);
        try {
          const tokens = await (await server.tokenService()).getUpstreamTokens(auth!.grantId!);
          if (!tokens)
            return { isError: true, content: [{ type: 'text', text: 'no upstream tokens' }] };
          const res = await fetch(`${idp.origin}/me`, {
            headers: { authorization: `Bearer ${tokens.accessToken}` },
          });
          const body = (await res.json()) as { sub?: string };
          return { content: [{ type: 'text', text: `${res.status} ${body.sub ?? ''}` }] };
        } catch (error) {
          if ((error as { reauthorizationRequired?: boolean }).reauthorizationRequired) {
            return { isError: true, content: [{ type: 'text', text: 'Sign in again' }] };
          }
          throw error;
        }
      },
    );
    return mcp;
  });
  const node = toNodeHandler(handler);
  closeMcp = () => handler.close();
  const app = express();
  mcpAuth({ server, policy }).mount(app, (req, res, next) => {
    node(req, res, req.body).catch(next);
  });
  http.on('request', app);
}, 60_000);

afterAll(async () => {
  await closeMcp();
  await closeServer(http);
  await idp?.close();
});

/** The browser leg: our consent, the IdP's login and consent, back to the client's redirect. */
async function signIn(authorizationUrl: URL, user: string): Promise<URL> {
  const browser = new Browser();
  const toCallback = (u: URL) => u.origin === baseUrl && u.pathname === '/oauth/callback';
  const consent = await browser.follow(authorizationUrl);
  expect(consent.url.origin).toBe(baseUrl);
  const toIdp = await browser.submit(
    { html: await consent.response.text(), url: consent.url },
    { decision: 'approve' },
    (u) => u.origin === idp.origin,
  );
  const login = await browser.follow(toIdp.stoppedAt!, toCallback);
  let callback = login.stoppedAt;
  if (!callback) {
    const afterLogin = await browser.submit(
      { html: await login.response.text(), url: login.url },
      { login: user, password: 'any' },
      toCallback,
    );
    callback = afterLogin.stoppedAt;
    if (!callback) {
      const html = await afterLogin.response.text();
      callback = (await browser.submit({ html, url: afterLogin.url }, {}, toCallback)).stoppedAt;
    }
  }
  const back = await browser.follow(callback!, (u) => u.href.startsWith(CLIENT_REDIRECT));
  return back.stoppedAt!;
}

describe('a tool asking for the upstream token gets a valid one (SDK v2 client, Express)', () => {
  it('before and after the upstream access token expired: one refresh, the IdP API accepts both', async () => {
    const oauth = new MemoryOAuthClientProviderV2({ redirectUrl: CLIENT_REDIRECT });
    const url = new URL(`${baseUrl}/mcp`);
    let transport = new StreamableHTTPClientTransport(url, { authProvider: oauth });
    let client = new Client({ name: 'upstream-tool-test', version: '1.0.0' });
    await expect(client.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    const redirect = await signIn(oauth.lastAuthorizationUrl!, 'alice').finally(() => {
      signInAccessTtl = 3600;
    });
    await transport.finishAuth(redirect.searchParams);
    transport = new StreamableHTTPClientTransport(url, { authProvider: oauth });
    client = new Client({ name: 'upstream-tool-test', version: '1.0.0' });
    await client.connect(transport);
    const text = async () => {
      const result = await client.callTool({ name: 'get_upstream_profile', arguments: {} });
      return (result.content as { type: string; text: string }[])[0]!.text;
    };

    expect(await text()).toBe('200 alice');
    expect(refreshes).toBe(0);
    await sleep(6_000); // the sign-in access token (5 s) expires at the IdP
    expect(await text()).toBe('200 alice');
    expect(refreshes).toBe(1);
    expect(await text()).toBe('200 alice');
    expect(refreshes).toBe(1);
    await client.close();
  }, 60_000);
});
