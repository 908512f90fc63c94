// Issue 14 item 4 end to end: a tool calls a downstream API for the user with RFC 8693 token
// exchange, never token passthrough. The official MCP SDK v2 client signs in through
// enterprise-managed authorization (CrossAppAccessProvider, a jose-signed ID-JAG); the MCP SDK v2
// server behind @mcp-auth/express runs `get_calendar`, which exchanges the caller's token with
// core's `exchangeToken` (as the `mcp-server` client) and calls a downstream test API. That API
// verifies the token against the authorization server's published JWKS (jose as the oracle):
// `aud` must be the API, `act.sub` the MCP server. The exchanged token is refused at our own MCP
// endpoint, and the caller's token is refused by the API (its audience is the MCP server).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import {
  createAuthorizationServer,
  createDefaultPolicies,
  DEMO_USERS,
  DevIdentityProvider,
  exchangeToken,
  generateKeyPair as generateSigningKey,
  MemoryStore,
} from '@mcp-auth/core';
import type { Jwk } from '@mcp-auth/core/jwt';
import { mcpAuth } from '@mcp-auth/express';
import { getAuthContext, protectMcpServer } from '@mcp-auth/sdk/v2';
import {
  Client,
  CrossAppAccessProvider,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closeServer, listenLoopback } from './fixtures.js';

const IDP = 'https://idp.enterprise.test';
const READ = 'mcp:tools:read';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const AGENT = { id: 'enterprise-agent', secret: 'enterprise-agent-secret-0123456789' };
const MCP_SERVER = { id: 'mcp-server', secret: 'mcp-server-secret-0123456789' };

describe('token exchange end to end: a tool calls a downstream API for the user (issue 14 item 4)', () => {
  let http: Server;
  let api: Server;
  let base = '';
  let apiUrl = '';
  let idpKey: CryptoKey;
  let idpJwk: Jwk;
  let close: () => Promise<void>;
  /** What the downstream API saw, per request. */
  const apiLog: { token: string; status: number }[] = [];

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    idpKey = pair.privateKey;
    idpJwk = {
      ...(await exportJWK(pair.publicKey)),
      kid: 'idp-1',
      alg: 'ES256',
      use: 'sig',
    } as Jwk;

    // The downstream API: verifies with the authorization server's JWKS (jose), aud + act.
    api = createServer((req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const jwks = createRemoteJWKSet(new URL(`${base}/jwks.json`));
      jwtVerify(token, jwks, { issuer: base, audience: apiUrl, typ: 'at+jwt' })
        .then(({ payload }) => {
          const act = payload.act as { sub?: string } | undefined;
          if (act?.sub !== MCP_SERVER.id) throw new Error('no actor');
          apiLog.push({ token, status: 200 });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ user: payload.sub, actor: act.sub, scope: payload.scope }));
        })
        .catch(() => {
          apiLog.push({ token, status: 401 });
          res.writeHead(401).end();
        });
    });
    apiUrl = `${await listenLoopback(api)}/`;

    http = createServer();
    base = await listenLoopback(http);
    const policy = createDefaultPolicies();
    const server = createAuthorizationServer({
      issuer: base,
      resource: `${base}/mcp`,
      signingKey: (await generateSigningKey('ES256', { kid: 'as-1' })).privateKey,
      store: new MemoryStore(),
      policy,
      identityProvider: new DevIdentityProvider({ iterations: 10_000, users: DEMO_USERS }),
      clients: [
        {
          clientId: AGENT.id,
          clientSecret: AGENT.secret,
          redirectUris: [],
          grantTypes: [JWT_BEARER],
        },
        {
          clientId: MCP_SERVER.id,
          clientSecret: MCP_SERVER.secret,
          redirectUris: [],
          grantTypes: [TOKEN_EXCHANGE],
        },
      ],
      trustedIdentityProviders: [{ issuer: IDP, jwks: { keys: [idpJwk] } }],
      tokenExchange: { audiences: { [apiUrl]: { clients: [MCP_SERVER.id], scopes: [READ] } } },
    });

    const handler = createMcpHandler(() => {
      const mcp = protectMcpServer(new McpServer({ name: 'exchange', version: '1.0.0' }), {
        policy,
      });
      mcp.registerTool(
        'get_calendar',
        { description: 'The user’s calendar, from the downstream API', inputSchema: z.object({}) },
        async (_args: Record<string, unknown>, ctx: unknown) => {
          // The caller's token, as the SDK hands it to the tool: exchanged, never passed on.
          const subjectToken = (ctx as { http?: { authInfo?: { token?: string } } }).http?.authInfo
            ?.token;
          if (!subjectToken || !getAuthContext(ctx)) throw new Error('no caller');
          const { accessToken } = await exchangeToken({
            tokenEndpoint: `${base}/token`,
            clientAuth: { clientId: MCP_SERVER.id, clientSecret: MCP_SERVER.secret },
            subjectToken,
            audience: apiUrl,
            scope: READ,
          });
          const response = await fetch(`${apiUrl}events`, {
            headers: { authorization: `Bearer ${accessToken}` },
          });
          return {
            content: [{ type: 'text', text: `${response.status} ${await response.text()}` }],
          };
        },
      );
      return mcp;
    });
    const node = toNodeHandler(handler);
    const app = express();
    mcpAuth({ server, policy }).mount(app, (req, res, next) => {
      node(req, res, req.body).catch(next);
    });
    http.on('request', app);
    close = async () => {
      await handler.close();
      await closeServer(http);
      await closeServer(api);
    };
  });
  afterAll(async () => {
    await close?.();
  });

  async function signIdJag(
    user: string,
    ctx: { authorizationServerUrl: string | URL; resourceUrl: string | URL },
  ) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: IDP,
      sub: user,
      aud: String(ctx.authorizationServerUrl).replace(/\/$/, ''),
      resource: String(ctx.resourceUrl),
      client_id: AGENT.id,
      jti: randomUUID(),
      iat: now,
      exp: now + 120,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'oauth-id-jag+jwt' })
      .sign(idpKey);
  }

  it('bob’s call of get_calendar reaches the API with a token for the API naming bob and acted by the MCP server; that token is refused at the MCP endpoint, and bob’s own token is refused by the API', async () => {
    const provider = new CrossAppAccessProvider({
      assertion: (ctx) => signIdJag('bob', ctx),
      clientId: AGENT.id,
      clientSecret: AGENT.secret,
      expectedIssuer: base,
    });
    const client = new Client({ name: 'exchange-e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: provider }),
    );
    try {
      const result = await client.callTool({ name: 'get_calendar', arguments: {} });
      const text = (result as { content: { text: string }[] }).content[0]!.text;
      expect(text).toBe(
        `200 ${JSON.stringify({ user: 'bob', actor: MCP_SERVER.id, scope: READ })}`,
      );
    } finally {
      await client.close();
    }
    const exchanged = apiLog.at(-1)!.token;
    const userToken = provider.tokens()!.access_token;
    expect(exchanged).not.toBe(userToken);

    // The exchanged token at our own MCP endpoint: its audience is the API → 401.
    const atMcp = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${exchanged}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(atMcp.status).toBe(401);
    expect(atMcp.headers.get('www-authenticate')).toMatch(/^Bearer /);

    // Token passthrough fails: the API refuses the caller's own token (audience = MCP server).
    const passthrough = await fetch(`${apiUrl}events`, {
      headers: { authorization: `Bearer ${userToken}` },
    });
    expect(passthrough.status).toBe(401);
  });

  it('exchangeToken rejects with the server’s OAuth error for an undeclared audience, and never puts the token in the error', async () => {
    const provider = new CrossAppAccessProvider({
      assertion: (ctx) => signIdJag('alice', ctx),
      clientId: AGENT.id,
      clientSecret: AGENT.secret,
      expectedIssuer: base,
    });
    const client = new Client({ name: 'exchange-e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: provider }),
    );
    await client.close();
    const subjectToken = provider.tokens()!.access_token;
    const error = await exchangeToken({
      tokenEndpoint: `${base}/token`,
      clientAuth: { clientId: MCP_SERVER.id, clientSecret: MCP_SERVER.secret },
      subjectToken,
      audience: 'https://undeclared.example/',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_target', status: 400 });
    expect(String((error as Error).message)).not.toContain(subjectToken);
    const wrongClient = await exchangeToken({
      tokenEndpoint: `${base}/token`,
      clientAuth: { clientId: MCP_SERVER.id, clientSecret: 'wrong-secret-0123456789' },
      subjectToken,
      audience: apiUrl,
    }).catch((e: unknown) => e);
    expect(wrongClient).toMatchObject({ code: 'invalid_client' });
  });
});
