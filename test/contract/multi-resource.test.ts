// Two MCP resources behind one issuer, through @mcp-auth/express, with the official MCP SDK v2
// client: authorized for the notes resource, the client is refused at the tasks resource (401
// invalid_token, the challenge naming tasks' metadata: RFC 8707 audience binding), then
// authorizes for tasks and is served there; neither token works at the other resource.
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createFetchMcpGuard,
  MemoryStore,
} from '@mcp-auth/core';
import { mcpAuth } from '@mcp-auth/express';
import { FastMCPAuthWrapper } from '@mcp-auth/fastmcp';
import { type McpAuthState, mcpAuth as koaMcpAuth } from '@mcp-auth/koa';
import { createTokenVerifier } from '@mcp-auth/sdk';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
  UnauthorizedError as UnauthorizedErrorV2,
} from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import express, { type RequestHandler } from 'express';
import { FastMCP } from 'fastmcp';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeWithForms } from '../../packages/core/src/testing/index.js';
import {
  CONTRACT_SECRET,
  CONTRACT_TOOLS,
  challengeParams,
  closeServer,
  createContractPolicy,
  createDevUsers,
  listenLoopback,
  PASSWORD,
  READ,
  rpc,
} from './fixtures.js';
import { createContractMcpServerV2 } from './mcp-server.js';
import { createRecordingFetch, MemoryOAuthClientProviderV2 } from './oauth-client.js';

const LOOPBACK_REDIRECT = 'http://127.0.0.1:7777/callback';

let http: Server;
let origin: string;
let server: AuthorizationServer;
let notesUrl: string;
let tasksUrl: string;
// The tokens the official client obtained below, for the per-adapter checks at the end.
let notesToken = '';
let tasksToken = '';
const handlers: { close(): Promise<void> }[] = [];

function mcpEndpoint(): RequestHandler {
  const policy = createContractPolicy();
  const handler = createMcpHandler(() => createContractMcpServerV2(policy, CONTRACT_TOOLS));
  handlers.push(handler);
  const node = toNodeHandler(handler);
  return (req, res, next) => {
    node(req, res, req.body).catch(next);
  };
}

beforeAll(async () => {
  http = createServer();
  origin = await listenLoopback(http);
  notesUrl = `${origin}/notes/mcp`;
  tasksUrl = `${origin}/tasks/mcp`;
  const policy = createContractPolicy();
  server = createAuthorizationServer({
    issuer: origin,
    resources: [
      { url: notesUrl, policy, name: 'Notes' },
      { url: tasksUrl, policy, name: 'Tasks' },
    ],
    signingKey: CONTRACT_SECRET,
    store: new MemoryStore(),
    identityProvider: createDevUsers(),
  });
  const app = express();
  // The authorization server once; each resource's guard with its own view of the server.
  const notes = mcpAuth({ server: server.forResource(notesUrl), policy });
  const tasks = mcpAuth({ server: server.forResource(tasksUrl), policy });
  expect([notes.path, tasks.path]).toEqual(['/notes/mcp', '/tasks/mcp']);
  notes.mount(app, mcpEndpoint());
  app.all(tasks.path, tasks.protect, mcpEndpoint());
  http.on('request', app);
});

afterAll(async () => {
  for (const handler of handlers) await handler.close();
  if (http) await closeServer(http);
});

function open(url: string, provider: MemoryOAuthClientProviderV2, fetchFn: typeof fetch) {
  const client = new ClientV2({ name: 'multi-resource', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransportV2(new URL(url), {
    authProvider: provider,
    fetch: fetchFn,
  });
  return {
    client,
    connect: () =>
      client.connect(transport).then(
        () => undefined,
        (error: unknown) => error,
      ),
    finishAuth: (redirect: URL) => transport.finishAuth(redirect.searchParams),
  };
}

async function login(url: URL, resource: string) {
  expect(url.searchParams.get('resource')).toBe(resource);
  const result = await authorizeWithForms({
    fetch: (request) => fetch(request),
    authorizationUrl: url,
    username: 'bob',
    password: PASSWORD,
  });
  expect(result.error).toBeUndefined();
  expect(result.iss).toBe(origin);
  return result.redirect;
}

const text = (result: unknown) =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');

async function postMcp(url: string, token: string) {
  return fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
    },
    body: rpc('tools/list'),
  });
}

function audience(token: string): unknown {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).aud;
}

describe('one issuer, two resources: the official v2 client authorized for one is refused at the other', () => {
  const { fetch: recordingFetch, log } = createRecordingFetch();
  const provider = new MemoryOAuthClientProviderV2({ redirectUrl: LOOPBACK_REDIRECT });

  it('authorizes for notes (discovery through notes’ metadata, resource = notes) and calls a tool there', async () => {
    const first = open(notesUrl, provider, recordingFetch);
    const refused = await first.connect();
    expect(refused).toBeInstanceOf(UnauthorizedErrorV2);
    expect(challengeParams(log[0]!.wwwAuthenticate).resource_metadata).toBe(
      `${origin}/.well-known/oauth-protected-resource/notes/mcp`,
    );
    const redirect = await login(provider.lastAuthorizationUrl!, notesUrl);
    await first.finishAuth(redirect);
    notesToken = provider.tokens()!.access_token;
    expect(audience(notesToken)).toBe(notesUrl);
    const session = open(notesUrl, provider, recordingFetch);
    expect(await session.connect()).toBeUndefined();
    expect(text(await session.client.callTool({ name: 'whoami', arguments: {} }))).toMatch(/^bob /);
    await session.client.close();
  });

  it('hostile: the notes token at tasks → 401 invalid_token, the challenge naming tasks’ metadata; the tool never runs', async () => {
    const res = await postMcp(tasksUrl, notesToken);
    expect(res.status).toBe(401);
    const challenge = challengeParams(res.headers.get('www-authenticate'));
    expect(challenge.error).toBe('invalid_token');
    expect(challenge.resource_metadata).toBe(
      `${origin}/.well-known/oauth-protected-resource/tasks/mcp`,
    );
    expect(res.headers.get('www-authenticate')).not.toContain(notesToken);
    const prm = (await (await fetch(challenge.resource_metadata!)).json()) as Record<
      string,
      unknown
    >;
    expect(prm).toMatchObject({
      resource: tasksUrl,
      authorization_servers: [origin],
      resource_name: 'Tasks',
    });
    // The notes token still works where it belongs.
    expect((await postMcp(notesUrl, notesToken)).status).toBe(200);
  });

  it('then authorizes for tasks with the same client registration (resource = tasks), and is served there', async () => {
    // The same registered client, a fresh token set for the other resource.
    const tasksProvider = new MemoryOAuthClientProviderV2({
      redirectUrl: LOOPBACK_REDIRECT,
      client: { ...provider.clientInformation()!, issuer: origin } as never,
    });
    const before = log.length;
    const first = open(tasksUrl, tasksProvider, recordingFetch);
    expect(await first.connect()).toBeInstanceOf(UnauthorizedErrorV2);
    expect(log.slice(before).some((e) => e.url.pathname === '/register')).toBe(false);
    const url = tasksProvider.lastAuthorizationUrl!;
    expect(url.searchParams.get('client_id')).toBe(provider.clientInformation()!.client_id);
    const redirect = await login(url, tasksUrl);
    await first.finishAuth(redirect);
    tasksToken = tasksProvider.tokens()!.access_token;
    expect(audience(tasksToken)).toBe(tasksUrl);
    expect(tasksProvider.tokens()!.scope?.split(' ')).toContain(READ);
    const session = open(tasksUrl, tasksProvider, recordingFetch);
    expect(await session.connect()).toBeUndefined();
    expect(text(await session.client.callTool({ name: 'whoami', arguments: {} }))).toMatch(/^bob /);
    await session.client.close();
    // And the tasks token is refused at notes.
    const back = await postMcp(notesUrl, tasksToken);
    expect(back.status).toBe(401);
    expect(challengeParams(back.headers.get('www-authenticate')).resource_metadata).toBe(
      `${origin}/.well-known/oauth-protected-resource/notes/mcp`,
    );
  });

  it('hostile: the notes refresh token cannot mint a tasks token (invalid_target)', async () => {
    const res = await fetch(`${origin}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: provider.tokens()!.refresh_token!,
        client_id: provider.clientInformation()!.client_id,
        resource: tasksUrl,
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_target');
  });
});

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

// Every guard mounted with the tasks view of the server: the notes token (same issuer, same key)
// is refused with a challenge naming tasks' metadata; the tasks token gets past authentication.
describe('the audience check holds through every adapter’s guard mounted with server.forResource(tasks)', () => {
  const tasksPrm = () => `${origin}/.well-known/oauth-protected-resource/tasks/mcp`;
  const expectRefused = (res: Response) => {
    expect(res.status).toBe(401);
    const challenge = challengeParams(res.headers.get('www-authenticate'));
    expect(challenge.error).toBe('invalid_token');
    expect(challenge.resource_metadata).toBe(tasksPrm());
  };

  it('core’s Fetch guard (createFetchMcpGuard)', async () => {
    const view = server.forResource(tasksUrl);
    const guard = createFetchMcpGuard({
      verifier: view.tokenVerifier,
      policy: createContractPolicy(),
      resourceMetadataUrl: view.resourceMetadataUrl,
    });
    const request = (token: string) =>
      new Request(tasksUrl, {
        method: 'POST',
        headers: {
          host: new URL(tasksUrl).host,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: rpc('tools/list'),
      });
    const refused = await guard(request(notesToken));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expectRefused(refused.response);
    const allowed = await guard(request(tasksToken));
    expect(allowed.ok).toBe(true);
    if (allowed.ok) expect(allowed.auth.resource).toBe(tasksUrl);
  });

  it('@mcp-auth/koa mcpAuth', async () => {
    const koaHttp = createServer();
    const base = await listenLoopback(koaHttp);
    const app = new Koa<McpAuthState>();
    const auth = koaMcpAuth({
      server: server.forResource(tasksUrl),
      policy: createContractPolicy(),
    });
    app.use(async (ctx, next) => {
      if (ctx.path !== auth.path) return next();
      await auth.protect(ctx, async () => {
        ctx.body = { reached: ctx.state.auth?.resource };
      });
    });
    koaHttp.on('request', app.callback());
    try {
      expectRefused(await postMcp(`${base}${auth.path}`, notesToken));
      const ok = await postMcp(`${base}${auth.path}`, tasksToken);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ reached: tasksUrl });
    } finally {
      await closeServer(koaHttp);
    }
  });

  it('@mcp-auth/fastmcp FastMCPAuthWrapper', async () => {
    const port = await freePort();
    const auth = new FastMCPAuthWrapper({
      policy: createContractPolicy(),
      authorizationServer: server.forResource(tasksUrl),
    });
    const quiet = { debug() {}, error() {}, info() {}, log() {}, warn() {} };
    const fastmcp = auth.protect(
      new FastMCP({ ...auth.serverOptions(), name: 'tasks', version: '1.0.0', logger: quiet }),
    );
    await fastmcp.start({
      transportType: 'httpStream',
      httpStream: { port, host: '127.0.0.1', endpoint: '/tasks/mcp', stateless: true },
    });
    try {
      expectRefused(await postMcp(`http://127.0.0.1:${port}/tasks/mcp`, notesToken));
      expect((await postMcp(`http://127.0.0.1:${port}/tasks/mcp`, tasksToken)).status).not.toBe(
        401,
      );
    } finally {
      await fastmcp.stop();
    }
  });

  it('@mcp-auth/sdk createTokenVerifier (for the SDK’s requireBearerAuth)', async () => {
    const verifier = createTokenVerifier(server.forResource(tasksUrl).tokenVerifier);
    await expect(verifier.verifyAccessToken(notesToken)).rejects.toThrow();
    expect((await verifier.verifyAccessToken(tasksToken)).resource?.href).toBe(tasksUrl);
  });
});
