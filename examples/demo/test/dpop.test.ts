// DPoP (RFC 9449) against the demo, with the MCP SDK v2 client's own DPoP (`DpopSession`
// behind an OAuthClientProvider's `dpop()`, which the transport turns into `withDpop`) and the
// real login and consent forms: accepted by default next to Bearer clients, and required of
// everyone with MCP_AUTH_DPOP_REQUIRED=1 (a Bearer token refused, the metadata says so).
import { decodeJwt } from '@mcp-auth/core/jwt';
import { authorizeWithForms } from '@mcp-auth/core/testing';
import {
  Client as V2Client,
  DpopSession,
  StreamableHTTPClientTransport as V2Transport,
  UnauthorizedError as V2UnauthorizedError,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBanner } from '../src/banner.js';
import { DemoOAuthClientProvider } from '../src/oauth-client.js';
import { DEMO_PASSWORD } from '../src/users.js';
import { startTestDemo, type TestDemo, TestClient } from './harness.js';

const WRITE = 'mcp:tools:write';

/** The demo's own client provider, with a DPoP key: the v2 transport signs a proof per request. */
class DpopProvider extends DemoOAuthClientProvider {
  lastUrl: URL | undefined;
  constructor(readonly session: DpopSession) {
    super({
      redirectUrl: 'http://127.0.0.1/callback',
      clientName: 'DPoP test client',
      onRedirect: (url) => {
        this.lastUrl = url;
      },
    });
  }
  dpop(): DpopSession {
    return this.session;
  }
}

interface Seen {
  url: string;
  status: number;
  authorization: string | null;
  challenge: string | null;
}

/** Signs in `username` with a v2 client holding a DPoP key; returns the connected client. */
async function dpopClient(t: TestDemo, username: string, untick: string[] = []) {
  const session = await DpopSession.create();
  const provider = new DpopProvider(session);
  const seen: Seen[] = [];
  const recording = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    seen.push({
      url: request.url,
      status: response.status,
      authorization: request.headers.get('authorization'),
      challenge: response.headers.get('www-authenticate'),
    });
    return response;
  };
  const open = () => {
    const client = new V2Client(
      { name: 'demo-dpop-test', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    const transport = new V2Transport(new URL(t.demo.mcpUrl), {
      authProvider: provider,
      fetch: recording,
    });
    return { client, transport };
  };
  const authorize = async (list: string[]) => {
    const result = await authorizeWithForms({
      fetch: (request) => fetch(request),
      authorizationUrl: provider.lastUrl!,
      username,
      password: DEMO_PASSWORD,
      untick: list,
    });
    expect(result.error).toBeUndefined();
    if (!provider.checkState(result.state)) throw new Error('state mismatch');
    return new URLSearchParams({ code: result.code!, ...(result.iss ? { iss: result.iss } : {}) });
  };
  const first = open();
  const refused = await first.client.connect(first.transport).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(refused).toBeInstanceOf(V2UnauthorizedError);
  await first.transport.finishAuth(await authorize(untick));
  const connected = open();
  await connected.client.connect(connected.transport);
  return { session, provider, seen, open, authorize, ...connected };
}

const text = (result: unknown) =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');

describe('demo: DPoP accepted by default', () => {
  let t: TestDemo;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    t = await startTestDemo();
  });
  afterAll(async () => {
    for (const close of closers) await close().catch(() => {});
    await t?.demo.close();
  });

  it('metadata: DPoP algorithms in both documents, not required; the banner says accepted', async () => {
    const prm = (await (await fetch(t.demo.authServer.resourceMetadataUrl)).json()) as Record<
      string,
      unknown
    >;
    expect(prm.dpop_signing_alg_values_supported).toContain('ES256');
    expect(prm).not.toHaveProperty('dpop_bound_access_tokens_required');
    expect(t.demo.authServer.metadata().dpop_signing_alg_values_supported).toContain('ES256');
    expect(formatBanner(t.demo)).toMatch(/DPoP\s+accepted: .*MCP_AUTH_DPOP_REQUIRED=1/);
  });

  it('the v2 client with a DPoP key: DPoP-bound tokens, tools called with Authorization: DPoP; the token as Bearer is refused', async () => {
    const c = await dpopClient(t, 'bob');
    closers.push(() => c.client.close());
    const tokens = c.provider.tokens()!;
    expect(tokens.token_type).toBe('DPoP');
    expect(decodeJwt(tokens.access_token).payload.cnf).toEqual({ jkt: c.session.thumbprint });
    const before = c.seen.length;
    const result = await c.client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
    expect(text(result)).toMatch(/Oslo/);
    const mcp = c.seen.slice(before).filter((e) => e.url === t.demo.mcpUrl);
    expect(mcp.length).toBeGreaterThan(0);
    for (const e of mcp) expect(e.authorization).toMatch(/^DPoP /);
    const stolen = await fetch(t.demo.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(stolen.status).toBe(401);
    expect(await stolen.text()).not.toContain(tokens.access_token);
  });

  it('step-up with DPoP: a missing scope → 403 DPoP insufficient_scope, the client re-authorizes with its key', async () => {
    const c = await dpopClient(t, 'bob', [WRITE]);
    closers.push(() => c.client.close());
    const before = c.seen.length;
    const outcome = await c.client
      .callTool({
        name: 'send_email',
        arguments: { to: 'alice@example.com', subject: 'hi', body: 'hi' },
      })
      .catch((e: unknown) => e);
    const denied = c.seen.slice(before).find((e) => e.status === 403);
    expect(denied?.challenge).toMatch(/^DPoP error="insufficient_scope", .*scope="[^"]*write/);
    expect(outcome).toBeInstanceOf(V2UnauthorizedError);
    await c.transport.finishAuth(await c.authorize([]));
    const again = c.open();
    closers.push(() => again.client.close());
    await again.client.connect(again.transport);
    const sent = await again.client.callTool({
      name: 'send_email',
      arguments: { to: 'alice@example.com', subject: 'hi', body: 'hi' },
    });
    expect((sent as { isError?: boolean }).isError).not.toBe(true);
    expect(c.provider.tokens()!.token_type).toBe('DPoP');
  });

  it('a Bearer client (SDK v1) keeps working on the same demo', async () => {
    const plain = new TestClient(t.demo.mcpUrl, { username: 'alice' });
    closers.push(() => plain.close());
    await plain.connect();
    expect(await plain.toolNames()).toContain('get_weather');
    expect(plain.provider.tokens()?.token_type?.toLowerCase()).toBe('bearer');
  });
});

describe('demo: MCP_AUTH_DPOP_REQUIRED=1', () => {
  let t: TestDemo;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    t = await startTestDemo({ env: { MCP_AUTH_DPOP_REQUIRED: '1' } });
  });
  afterAll(async () => {
    for (const close of closers) await close().catch(() => {});
    await t?.demo.close();
  });

  it('the metadata says dpop_bound_access_tokens_required, the 401 offers DPoP only, the banner says required', async () => {
    const prm = (await (await fetch(t.demo.authServer.resourceMetadataUrl)).json()) as Record<
      string,
      unknown
    >;
    expect(prm.dpop_bound_access_tokens_required).toBe(true);
    const bare = await fetch(t.demo.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toMatch(/^DPoP resource_metadata="/);
    expect(formatBanner(t.demo)).toMatch(/DPoP\s+required \(MCP_AUTH_DPOP_REQUIRED\)/);
  });

  it('the v2 client with a DPoP key works; a Bearer token (demo-agent, client credentials) is refused', async () => {
    const c = await dpopClient(t, 'alice');
    closers.push(() => c.client.close());
    expect(text(await c.client.callTool({ name: 'whoami', arguments: {} }))).toMatch(/alice/);
    const token = (await (
      await fetch(t.demo.authServer.metadata().token_endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${btoa(`demo-agent:${t.demo.machineClients.agentSecret}`)}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: t.demo.mcpUrl }),
      })
    ).json()) as { access_token?: string; token_type?: string };
    expect(token.token_type).toBe('Bearer');
    const refused = await fetch(t.demo.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
  });
});
