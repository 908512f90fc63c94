// DPoP (RFC 9449, MCP SEP-1932) through every contract mount, with the MCP SDK v2 client's own
// DPoP support (an OAuthClientProvider with `dpop()` → the transport's `withDpop`, and the
// DpopSession on every token request): the full code + PKCE flow binds the tokens to the
// client's key, tools are called with `Authorization: DPoP` + a fresh proof, a refresh keeps the
// binding, a server nonce round trip is retried by the client, a replayed proof and a token
// used without its key are refused. The authorization server runs with `dpop: { nonce: true }`,
// so every token request also goes through a `use_dpop_nonce` round trip first.
import { MemoryStore } from '@mcp-auth/core';
import { decodeJwt } from '@mcp-auth/core/jwt';
import {
  auth as authV2,
  Client as ClientV2,
  DpopSession,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
  UnauthorizedError as UnauthorizedErrorV2,
} from '@modelcontextprotocol/client';
import { UnauthorizedError as UnauthorizedErrorV1 } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as StreamableHTTPClientTransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The public `@mcp-auth/core/testing` entry, by path (see suite.ts).
import { authorizeWithForms } from '../../packages/core/src/testing/index.js';
import {
  buildSpec,
  contractServerOptions,
  createContractPolicy,
  PASSWORD,
  READ,
  rpc,
  WRITE,
  TestClock,
} from './fixtures.js';
import { MemoryOAuthClientProvider, MemoryOAuthClientProviderV2 } from './oauth-client.js';
import type { ContractMount, MountContract } from './suite.js';

const LOOPBACK_REDIRECT = 'http://127.0.0.1:7777/callback';

/** The SDK v2 provider, with a DPoP key for the lifetime of its registration. */
class DpopOAuthClientProvider extends MemoryOAuthClientProviderV2 {
  constructor(readonly session: DpopSession) {
    super({ redirectUrl: LOOPBACK_REDIRECT });
  }

  dpop(): DpopSession {
    return this.session;
  }
}

/** One exchange as the server received it (after the SDK's `withDpop` added its headers). */
interface Sent {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly authorization: string | null;
  readonly dpop: string | null;
  readonly body: string | undefined;
  readonly grantType: string | undefined;
  readonly wwwAuthenticate: string | null;
  /** The `DPoP-Nonce` the server answered with. */
  readonly nonce: string | null;
}

function recordingFetch(log: Sent[]): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = request.method === 'GET' ? undefined : await request.clone().text();
    const response = await fetch(request);
    log.push({
      method: request.method,
      url: request.url,
      status: response.status,
      authorization: request.headers.get('authorization'),
      dpop: request.headers.get('dpop'),
      body,
      grantType: new URL(request.url).pathname.endsWith('/token')
        ? (new URLSearchParams(body ?? '').get('grant_type') ?? undefined)
        : undefined,
      wwwAuthenticate: response.headers.get('www-authenticate'),
      nonce: response.headers.get('dpop-nonce'),
    });
    return response;
  }) as typeof fetch;
}

const text = (result: unknown) =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');

/** Registers the DPoP cases for one mount. */
export function defineDpopCases(name: string, mount: MountContract): void {
  describe(`${name}: DPoP with the MCP SDK v2 client (RFC 9449, SEP-1932)`, () => {
    const clock = new TestClock(0);
    const policy = createContractPolicy();
    const log: Sent[] = [];
    const fetchFn = recordingFetch(log);
    let m: ContractMount;
    let session: DpopSession;
    let provider: DpopOAuthClientProvider;
    let client: ClientV2;

    const connect = async () => {
      client = new ClientV2(
        { name: 'dpop-contract', version: '1.0.0' },
        { versionNegotiation: { mode: 'auto' } },
      );
      const transport = new StreamableHTTPClientTransportV2(new URL(m.mcpUrl), {
        authProvider: provider,
        fetch: fetchFn,
      });
      const error = await client.connect(transport).then(
        () => undefined,
        (e: unknown) => e,
      );
      return { transport, error };
    };

    beforeAll(async () => {
      m = await mount(
        buildSpec(policy, (origin) =>
          contractServerOptions(origin, policy, new MemoryStore({ now: clock.now }), clock, {
            dpop: { nonce: true },
          }),
        ),
      );
      session = await DpopSession.create();
      provider = new DpopOAuthClientProvider(session);
    });
    afterAll(async () => {
      await client?.close().catch(() => {});
      await m?.close();
    });

    it('the full flow (401 → metadata → registration → PKCE → login + consent → token) binds the tokens to the client key, after a use_dpop_nonce round trip', async () => {
      expect(m.server.metadata().dpop_signing_alg_values_supported).toContain('ES256');
      const first = await connect();
      expect(first.error).toBeInstanceOf(UnauthorizedErrorV2);
      expect(log[0]!.status).toBe(401);
      // Both schemes are offered; the SDK reads resource_metadata from it.
      expect(log[0]!.wwwAuthenticate).toMatch(/^Bearer resource_metadata="[^"]+".*, DPoP .*algs="/);
      const url = provider.lastAuthorizationUrl!;
      const login = await authorizeWithForms({
        fetch: (request) => fetch(request),
        authorizationUrl: url,
        username: 'bob',
        password: PASSWORD,
      });
      expect(login.error).toBeUndefined();
      await first.transport.finishAuth(login.redirect.searchParams);
      const tokenRequests = log.filter((e) => e.grantType === 'authorization_code');
      // The first proof had no nonce: 400 use_dpop_nonce + DPoP-Nonce, retried with it.
      expect(tokenRequests.map((e) => e.status)).toEqual([400, 200]);
      expect(tokenRequests.every((e) => e.dpop !== null)).toBe(true);
      const tokens = provider.tokens()!;
      expect(tokens.token_type).toBe('DPoP');
      const { payload } = decodeJwt(tokens.access_token);
      expect(payload.cnf).toEqual({ jkt: session.thumbprint });
    });

    it('tools/call with Authorization: DPoP and a fresh proof per request', async () => {
      const before = log.length;
      const { error } = await connect();
      expect(error).toBeUndefined();
      const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
      expect(text(result)).toBe('Sunny in Oslo');
      const mcp = log.slice(before).filter((e) => e.url === m.mcpUrl && e.status === 200);
      expect(mcp.length).toBeGreaterThan(0);
      for (const e of mcp) expect(e.authorization).toMatch(/^DPoP /);
      // Nonces are on: every answer hands the client the current one (RFC 9449 §8.2).
      for (const e of mcp) expect(e.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const proofs = mcp.map((e) => e.dpop);
      expect(new Set(proofs).size).toBe(proofs.length);
    });

    it('hostile: a replayed proof (the exact request again) → 401 invalid_dpop_proof', async () => {
      const sent = log.filter((e) => e.url === m.mcpUrl && e.status === 200 && e.body).at(-1)!;
      const replay = await fetch(m.mcpUrl, {
        method: 'POST',
        headers: {
          authorization: sent.authorization!,
          dpop: sent.dpop!,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
        },
        body: sent.body,
      });
      expect(replay.status).toBe(401);
      expect(replay.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
    });

    it('hostile: the token without its key (another key’s proof, or as Bearer) → 401', async () => {
      const token = provider.tokens()!.access_token;
      const thief = await DpopSession.create();
      const body = rpc('tools/call', { name: 'get_weather', arguments: { city: 'Oslo' } });
      const headers = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      };
      const nonce = session.nonceFor(m.mcpUrl);
      const stolen = await fetch(m.mcpUrl, {
        method: 'POST',
        headers: {
          ...headers,
          authorization: `DPoP ${token}`,
          dpop: await thief.buildProof({
            htm: 'POST',
            htu: m.mcpUrl,
            accessToken: token,
            ...(nonce === undefined ? {} : { nonce }),
          }),
        },
        body,
      });
      expect(stolen.status).toBe(401);
      expect(stolen.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
      const bearer = await fetch(m.mcpUrl, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${token}` },
        body,
      });
      expect(bearer.status).toBe(401);
      expect(bearer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      expect(await bearer.text()).not.toContain(token);
    });

    it('nonce round trip at the MCP endpoint: a stale nonce → 401 use_dpop_nonce + DPoP-Nonce, the client retries and the call goes through', async () => {
      session.rememberNonce(m.mcpUrl, 'stale-nonce-from-another-day');
      const before = log.length;
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(text(result)).toBe(`bob role=editor scopes=${READ} ${WRITE}`);
      const mcp = log.slice(before).filter((e) => e.url === m.mcpUrl);
      expect(mcp.map((e) => e.status)).toEqual([401, 200]);
      expect(mcp[0]!.wwwAuthenticate).toMatch(/^DPoP error="use_dpop_nonce"/);
    });

    it('refresh: the refresh_token grant with a proof of the same key gives a new DPoP token, and tools still work', async () => {
      const old = provider.tokens()!;
      const result = await authV2(provider, { serverUrl: m.mcpUrl, fetchFn });
      expect(result).toBe('AUTHORIZED');
      const refreshes = log.filter((e) => e.grantType === 'refresh_token');
      expect(refreshes.at(-1)!.status).toBe(200);
      expect(refreshes.at(-1)!.dpop).not.toBeNull();
      const fresh = provider.tokens()!;
      expect(fresh.access_token).not.toBe(old.access_token);
      expect(fresh.token_type).toBe('DPoP');
      expect(decodeJwt(fresh.access_token).payload.cnf).toEqual({ jkt: session.thumbprint });
      const weather = await client.callTool({ name: 'get_weather', arguments: { city: 'Bergen' } });
      expect(text(weather)).toBe('Sunny in Bergen');
    });

    it('hostile: the (public client’s) refresh token with another key → invalid_grant, and it still works with its own', async () => {
      const tokens = provider.tokens()!;
      const thief = await DpopSession.create();
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: provider.clientInformation()!.client_id,
      });
      const tokenUrl = `${m.issuer}/token`;
      const tryWith = async (s: DpopSession) => {
        let nonce: string | undefined;
        for (let attempt = 0; attempt < 2; attempt++) {
          const response = await fetch(tokenUrl, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              dpop: await s.buildProof({
                htm: 'POST',
                htu: tokenUrl,
                ...(nonce === undefined ? {} : { nonce }),
              }),
            },
            body: form,
          });
          const body = (await response.json()) as Record<string, unknown>;
          if (body.error !== 'use_dpop_nonce') return { status: response.status, body };
          nonce = response.headers.get('dpop-nonce') ?? undefined;
        }
        throw new Error('no nonce round trip');
      };
      const stolen = await tryWith(thief);
      expect(stolen.status).toBe(400);
      expect(stolen.body.error).toBe('invalid_grant');
      const own = await tryWith(session);
      expect(own.status).toBe(200);
      expect(own.body.token_type).toBe('DPoP');
    });

    it('step-up: a missing scope → 403 with a DPoP challenge (error="insufficient_scope", scope, resource_metadata, algs); the v2 client re-authorizes with its key and the call goes through', async () => {
      const own = await DpopSession.create();
      const stepper = new DpopOAuthClientProvider(own);
      const open = () => {
        const c = new ClientV2(
          { name: 'dpop-step-up', version: '1.0.0' },
          { versionNegotiation: { mode: 'auto' } },
        );
        const t = new StreamableHTTPClientTransportV2(new URL(m.mcpUrl), {
          authProvider: stepper,
          fetch: fetchFn,
        });
        return { c, t };
      };
      const login = async (untick: readonly string[]) => {
        const result = await authorizeWithForms({
          fetch: (request) => fetch(request),
          authorizationUrl: stepper.lastAuthorizationUrl!,
          username: 'bob',
          password: PASSWORD,
          untick,
        });
        expect(result.error).toBeUndefined();
        return result.redirect.searchParams;
      };
      const first = open();
      expect(
        await first.c.connect(first.t).then(
          () => undefined,
          (e: unknown) => e,
        ),
      ).toBeInstanceOf(UnauthorizedErrorV2);
      // bob unticks write on the consent page: a read-only DPoP token.
      await first.t.finishAuth(await login([WRITE]));
      expect(stepper.tokens()!.token_type).toBe('DPoP');
      expect(String(decodeJwt(stepper.tokens()!.access_token).payload.scope)).not.toContain(WRITE);
      const second = open();
      await second.c.connect(second.t);
      const before = log.length;
      const urlBefore = stepper.lastAuthorizationUrl;
      const outcome = await second.c
        .callTool({ name: 'send_email', arguments: { to: 'alice' } })
        .catch((e: unknown) => e);
      const denied = log.slice(before).find((e) => e.url === m.mcpUrl && e.status === 403);
      expect(denied, 'a 403 step-up from the MCP endpoint').toBeDefined();
      expect(denied!.authorization).toMatch(/^DPoP /);
      const challenge = denied!.wwwAuthenticate ?? '';
      expect(challenge).toMatch(/^DPoP error="insufficient_scope"/);
      expect(challenge).toContain(`resource_metadata="${m.server.resourceMetadataUrl}"`);
      expect(challenge).toMatch(/scope="[^"]*mcp:tools:write[^"]*"/);
      expect(challenge).toMatch(/algs="[^"]*ES256[^"]*"/);
      // The SDK re-authorizes by itself (its default onInsufficientScope) and stops at the redirect.
      expect(outcome).toBeInstanceOf(UnauthorizedErrorV2);
      expect(stepper.lastAuthorizationUrl).not.toBe(urlBefore);
      expect(stepper.lastAuthorizationUrl!.searchParams.get('scope')).toContain(WRITE);
      await second.t.finishAuth(await login([]));
      const tokens = stepper.tokens()!;
      expect(tokens.token_type).toBe('DPoP');
      expect(decodeJwt(tokens.access_token).payload.cnf).toEqual({ jkt: own.thumbprint });
      const third = open();
      await third.c.connect(third.t);
      const sent = await third.c.callTool({ name: 'send_email', arguments: { to: 'alice' } });
      expect(text(sent)).toBe('Sent to alice');
      await third.c.close();
      await second.c.close().catch(() => {});
    });

    it('a client without DPoP (the SDK v1 client) still signs in and calls tools with Bearer on the same server', async () => {
      const plain = new MemoryOAuthClientProvider({ redirectUrl: LOOPBACK_REDIRECT });
      const open = () => {
        const v1 = new ClientV1({ name: 'bearer-contract', version: '1.0.0' });
        const transport = new StreamableHTTPClientTransportV1(new URL(m.mcpUrl), {
          authProvider: plain,
        });
        return { v1, transport };
      };
      const first = open();
      const refused = await first.v1.connect(first.transport).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(UnauthorizedErrorV1);
      const login = await authorizeWithForms({
        fetch: (request) => fetch(request),
        authorizationUrl: plain.lastAuthorizationUrl!,
        username: 'bob',
        password: PASSWORD,
      });
      await first.transport.finishAuth(login.redirect.searchParams.get('code') ?? '');
      expect(plain.tokens()?.token_type).toBe('Bearer');
      const second = open();
      await second.v1.connect(second.transport);
      const result = await second.v1.callTool({ name: 'get_weather', arguments: { city: 'Rome' } });
      expect(text(result)).toBe('Sunny in Rome');
      await second.v1.close();
    });
  });
}
