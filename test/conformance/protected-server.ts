// An MCP server protected by mcp-auth, served on Node through one of the mounts (Express, Koa,
// or the Fetch guard over @hono/node-server), for the browser-client and DNS-rebinding tests.
// The MCP side is MCP SDK v2's createMcpHandler (2026-07-28 and the stateless 2025-era
// fallback), every instance protected by @mcp-auth/sdk/v2. The issuer is `http://localhost:<port>`
// while the socket listens on 127.0.0.1: the URL a local developer would open.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDefaultPolicies,
  createFetchMcpGuard,
  DEMO_USERS,
  DevIdentityProvider,
  generateSecret,
  type McpCorsOptions,
  type PolicyEngine,
  toFetchHandler,
} from '@mcp-auth/core';
import { authorizeWithForms } from '@mcp-auth/core/testing';
import { mcpAuth as expressMcpAuth } from '@mcp-auth/express';
import { mcpAuth as koaMcpAuth } from '@mcp-auth/koa';
import { protectMcpServer } from '@mcp-auth/sdk/v2';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import Koa from 'koa';
import { z } from 'zod';

/** The mounts a test can serve the endpoint through. */
export type Mount = 'express' | 'koa' | 'fetch';

/** What the tools did: a tool that ran leaves a trace here. */
export interface Effects {
  weather: string[];
  deleted: string[];
}

/** One answered request, as the server saw it (no header values besides `Origin`/`Host`). */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly origin: string | undefined;
  readonly host: string | undefined;
  readonly authorized: boolean;
}

export interface ProtectedServer {
  /** `http://localhost:<port>`: the issuer. */
  readonly origin: string;
  /** `<origin>/mcp`. */
  readonly mcpUrl: string;
  /** The port the socket listens on (127.0.0.1). */
  readonly port: number;
  readonly authServer: AuthorizationServer;
  readonly effects: Effects;
  /** Every request answered, in order. */
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

export interface StartOptions {
  readonly mount: Mount;
  /** The guard's `cors` option (default: core's defaults). */
  readonly cors?: McpCorsOptions;
}

function buildPolicy(): PolicyEngine {
  const policy = createDefaultPolicies(); // get_* → read, delete_* → admin
  policy.addRule({ id: 'whoami', tools: 'whoami' });
  return policy;
}

function buildMcpServer(policy: PolicyEngine, effects: Effects): McpServer {
  const server = protectMcpServer(new McpServer({ name: 'browser-test', version: '1.0.0' }), {
    policy,
  });
  server.registerTool(
    'get_weather',
    { inputSchema: z.object({ city: z.string() }) },
    async ({ city }) => {
      effects.weather.push(city);
      return { content: [{ type: 'text', text: `Sunny in ${city}` }] };
    },
  );
  server.registerTool(
    'delete_user',
    { inputSchema: z.object({ username: z.string() }) },
    async ({ username }) => {
      effects.deleted.push(username);
      return { content: [{ type: 'text', text: `Deleted ${username}` }] };
    },
  );
  return server;
}

/** Starts the server on 127.0.0.1, port 0, behind `options.mount`. */
export async function startProtectedServer(options: StartOptions): Promise<ProtectedServer> {
  const effects: Effects = { weather: [], deleted: [] };
  const seen: SeenRequest[] = [];
  const policy = buildPolicy();
  const handler = createMcpHandler(() => buildMcpServer(policy, effects));

  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const http: Server = createServer((req, res) => {
    res.on('finish', () => {
      seen.push({
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        status: res.statusCode,
        origin: req.headers.origin,
        host: req.headers.host,
        authorized: req.headers.authorization !== undefined,
      });
    });
    if (listener) listener(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  const origin = `http://localhost:${port}`;
  const authServer = createAuthorizationServer({
    issuer: origin,
    resource: `${origin}/mcp`,
    signingKey: generateSecret(),
    policy,
    identityProvider: new DevIdentityProvider({ users: DEMO_USERS, iterations: 10_000 }),
  });
  await authServer.ready();
  const cors = options.cors === undefined ? {} : { cors: options.cors };

  if (options.mount === 'express') {
    const app = express();
    const serve = toNodeHandler(handler);
    expressMcpAuth({ server: authServer, policy, ...cors }).mount(app, (req, res, next) => {
      serve(req, res, req.body).catch(next);
    });
    listener = app;
  } else if (options.mount === 'koa') {
    const app = new Koa();
    const serve = toNodeHandler(handler);
    koaMcpAuth({ server: authServer, policy, ...cors }).mount(app, async (ctx) => {
      ctx.respond = false;
      await serve(ctx.req, ctx.res, ctx.state.body);
    });
    listener = app.callback();
  } else {
    const routes = toFetchHandler(authServer);
    const guard = createFetchMcpGuard({
      verifier: authServer.tokenVerifier,
      policy,
      resourceMetadataUrl: authServer.resourceMetadataUrl,
      ...cors,
    });
    const fetchApp = async (request: Request): Promise<Response> => {
      if (new URL(request.url).pathname !== '/mcp') return routes(request);
      const outcome = await guard(request);
      if (!outcome.ok) return outcome.response;
      return outcome.respond(
        await handler.fetch(request, { authInfo: outcome.authInfo, parsedBody: outcome.body }),
      );
    };
    // @hono/node-server's Node listener: the Web Request carries the raw Host header.
    const adaptor = createAdaptorServer({ fetch: fetchApp });
    listener = (req, res) => adaptor.emit('request', req, res);
  }

  return {
    origin,
    mcpUrl: `${origin}/mcp`,
    port,
    authServer,
    effects,
    seen,
    close: async () => {
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** PKCE S256 pair. */
async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: Buffer.from(digest).toString('base64url') };
}

/**
 * A real access token for `username`, through the server's HTTP endpoints: dynamic
 * registration, the login and consent forms (core's scripted form browser), the token request.
 * Never printed.
 */
export async function obtainToken(server: ProtectedServer, username: string): Promise<string> {
  const redirectUri = 'http://127.0.0.1:1/callback'; // never reached: the driver stops there
  const registered = await fetch(`${server.origin}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'conformance token client',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }),
  });
  if (registered.status !== 201) throw new Error(`registration failed: ${registered.status}`);
  const { client_id: clientId } = (await registered.json()) as { client_id: string };
  const { verifier, challenge } = await pkce();
  const url = new URL(`${server.origin}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'conformance',
    resource: server.mcpUrl,
  }).toString();
  const result = await authorizeWithForms({
    fetch: (request) => fetch(request),
    authorizationUrl: url,
    username,
    password: 'demo',
  });
  if (!result.code) throw new Error(`authorization failed: ${result.error ?? 'no code'}`);
  const token = await fetch(`${server.origin}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: result.code,
      redirect_uri: redirectUri,
      client_id: clientId,
      code_verifier: verifier,
      resource: server.mcpUrl,
    }),
  });
  if (token.status !== 200) throw new Error(`token request failed: ${token.status}`);
  return ((await token.json()) as { access_token: string }).access_token;
}
