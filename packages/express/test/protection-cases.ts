// The protection cases of a Node framework adapter (requireAuth / mcpGuard on an MCP
// endpoint), written once and run by the Express and Koa packages.
import { describe, expect, it } from 'vitest';
import {
  challengeParams,
  createFixture,
  RESOURCE,
  RESOURCE_METADATA_URL,
  toolCall,
} from './fixture.js';

type Fixture = Awaited<ReturnType<typeof createFixture>>;

/** What the echo handler behind the protection answers: what the adapter put on the request. */
export interface Echo {
  auth:
    | (Record<string, unknown> & { resource?: string; extra: { auth: Record<string, unknown> } })
    | null;
  body: unknown;
}

/** The protection an adapter mounts on `/mcp` for a case. */
export type Protection =
  | { kind: 'requireAuth'; requiredScopes?: string[] }
  | { kind: 'mcpGuard'; maxBodyBytes?: number };

/** How a case drives one adapter. */
export interface ProtectionAdapter {
  /**
   * Starts an app with the protection on every method of `/mcp`, followed by a handler that
   * counts its calls in `fx.state.reached` and answers 200 with the {@link Echo} as JSON
   * (`auth` with `resource` as a string). With
   * `jsonParserFirst`, the framework's JSON body parser runs before the protection.
   * Returns the base URL.
   */
  start(
    fx: Fixture,
    protection: Protection,
    options?: { jsonParserFirst?: boolean },
  ): Promise<string>;
  /** The adapter's requireAuth / mcpGuard, for mount-time validation. */
  requireAuth(options: unknown): unknown;
  mcpGuard(options: unknown): unknown;
}

async function setup(
  adapter: ProtectionAdapter,
  protection: Protection,
  options?: { jsonParserFirst?: boolean },
) {
  const fx = await createFixture();
  const base = await adapter.start(fx, protection, options);
  const post = (headers: Record<string, string>, body = toolCall('get_weather'), path = '/mcp') =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  return { ...fx, base, post };
}

/** Registers every protection case for `adapter` (call inside a test file). */
export function protectionCases(adapter: ProtectionAdapter): void {
  for (const kind of ['requireAuth', 'mcpGuard'] as const) {
    describe(`${kind} : 401 challenges`, () => {
      it('answers a request without credentials with 401 and resource_metadata (RFC 9728 §5.1)', async () => {
        const { post } = await setup(adapter, { kind });
        const res = await post({});
        expect(res.status).toBe(401);
        const params = challengeParams(res.headers.get('www-authenticate'));
        expect(params.resource_metadata).toBe(RESOURCE_METADATA_URL);
        expect(params.error).toBeUndefined(); // RFC 6750 §3.1: no error without credentials
        expect(((await res.json()) as { error: string }).error).toBe('invalid_token');
      });

      it('ignores a token in ?access_token= (SECURITY-CASES 37)', async () => {
        const { post, mint } = await setup(adapter, { kind });
        const token = await mint();
        const res = await post({}, toolCall('get_weather'), `/mcp?access_token=${token}`);
        expect(res.status).toBe(401);
        expect(challengeParams(res.headers.get('www-authenticate')).resource_metadata).toBe(
          RESOURCE_METADATA_URL,
        );
      });

      it('answers `Bearer` with no token and `Basic x` with 401 + resource_metadata (SECURITY-CASES 38)', async () => {
        const { post } = await setup(adapter, { kind });
        for (const authorization of ['Bearer', 'Bearer ', 'Basic eDp5']) {
          const res = await post({ authorization });
          expect(res.status, authorization).toBe(401);
          expect(challengeParams(res.headers.get('www-authenticate')).resource_metadata).toBe(
            RESOURCE_METADATA_URL,
          );
        }
      });

      it('refuses a token issued for another audience with 401 invalid_token (SECURITY-CASES 40)', async () => {
        const { post, mint } = await setup(adapter, { kind });
        const token = await mint({ aud: 'https://other.example.test/mcp' });
        const res = await post({ authorization: `Bearer ${token}` });
        expect(res.status).toBe(401);
        expect(challengeParams(res.headers.get('www-authenticate')).error).toBe('invalid_token');
      });

      it('fails closed with 503 when the store behind verification is down (SECURITY-CASES 39)', async () => {
        const { post, mint, state } = await setup(adapter, { kind });
        const token = await mint();
        state.storeDown = true;
        const res = await post({ authorization: `Bearer ${token}` });
        expect(res.status).toBe(503);
        expect(((await res.json()) as { error: string }).error).toBe('temporarily_unavailable');
      });

      it('sets the MCP SDK AuthInfo (req.auth / ctx.state.auth), extra.auth holding the AuthContext', async () => {
        const { post, mint } = await setup(adapter, { kind });
        const token = await mint({ scope: 'mcp:tools:read' });
        const res = await post({ authorization: `Bearer ${token}` });
        expect(res.status).toBe(200);
        const { auth } = (await res.json()) as Echo;
        if (!auth) throw new Error('no auth on the request');
        expect(auth.token).toBe(token);
        expect(auth.clientId).toBe('client-1');
        expect(auth.scopes).toEqual(['mcp:tools:read']);
        expect(typeof auth.expiresAt).toBe('number');
        expect(auth.resource).toBe(RESOURCE);
        expect(auth.extra.auth.userId).toBe('alice');
        expect(auth.extra.auth.clientId).toBe('client-1');
      });
    });
  }

  describe('requireAuth : requiredScopes', () => {
    it('answers 403 insufficient_scope with scope = granted ∪ missing (SECURITY-CASES 39)', async () => {
      const { post, mint } = await setup(adapter, {
        kind: 'requireAuth',
        requiredScopes: ['mcp:tools:read', 'mcp:tools:write'],
      });
      const res = await post({
        authorization: `Bearer ${await mint({ scope: 'mcp:tools:read' })}`,
      });
      expect(res.status).toBe(403);
      const params = challengeParams(res.headers.get('www-authenticate'));
      expect(params.error).toBe('insufficient_scope');
      expect(params.scope?.split(' ').sort()).toEqual(['mcp:tools:read', 'mcp:tools:write']);
      expect(params.resource_metadata).toBe(RESOURCE_METADATA_URL);
    });

    it('advertises the required scopes in the 401 challenge', async () => {
      const { post } = await setup(adapter, {
        kind: 'requireAuth',
        requiredScopes: ['mcp:tools:read'],
      });
      const res = await post({});
      expect(challengeParams(res.headers.get('www-authenticate')).scope).toBe('mcp:tools:read');
    });

    it('refuses bad options at mount time with a TypeError', () => {
      expect(() => adapter.requireAuth({} as never)).toThrow(TypeError);
      expect(() =>
        adapter.requireAuth({
          verifier: { verify: async () => ({}) as never },
          resourceMetadataUrl: 'nope',
        }),
      ).toThrow(TypeError);
      expect(() =>
        adapter.requireAuth({
          verifier: { verify: async () => ({}) as never },
          resourceMetadataUrl: RESOURCE_METADATA_URL,
          requiredScopes: ['bad scope'],
        }),
      ).toThrow(TypeError);
    });
  });

  describe('mcpGuard : tools/call at the HTTP edge', () => {
    it('turns a missing scope into 403 insufficient_scope; issue 11: its scope lists only the scopes this call needs, not granted ∪ missing (SECURITY-CASES 39)', async () => {
      const { post, mint } = await setup(adapter, { kind: 'mcpGuard' });
      const token = await mint({ scope: 'mcp:tools:read' });
      const res = await post(
        { authorization: `Bearer ${token}` },
        toolCall('send_email', { to: 'x' }),
      );
      expect(res.status).toBe(403);
      const params = challengeParams(res.headers.get('www-authenticate'));
      expect(params.error).toBe('insufficient_scope');
      expect(params.scope?.split(' ').sort()).toEqual(['mcp:tools:write']);
      expect(params.resource_metadata).toBe(RESOURCE_METADATA_URL);
    });

    it('issue 12: the 401 challenge does not depend on the body (it is never read): the same for every tool called', async () => {
      const { post } = await setup(adapter, { kind: 'mcpGuard' });
      const write = await post({}, toolCall('send_email'));
      const read = await post({}, toolCall('get_weather'));
      expect(write.status).toBe(401);
      expect(write.headers.get('www-authenticate')).toBe(read.headers.get('www-authenticate'));
      expect(challengeParams(write.headers.get('www-authenticate')).scope).toBeUndefined();
    });

    it('issue 11: answers a denial scopes cannot fix itself, with the JSON-RPC denied result; the handler behind never runs', async () => {
      const { post, mint, state } = await setup(adapter, { kind: 'mcpGuard' });
      // delete_user needs role=admin: a viewer with every scope is denied by the policy, not by scopes.
      const token = await mint({ scope: 'mcp:tools:admin', role: 'viewer' });
      const res = await post(
        { authorization: `Bearer ${token}` },
        toolCall('delete_user', { id: 'u1' }),
      );
      expect(res.status).toBe(200);
      const answer = (await res.json()) as {
        id: number;
        result: { isError: boolean; content: { text: string }[] };
      };
      expect(answer.id).toBe(1);
      expect(answer.result.isError).toBe(true);
      expect(answer.result.content[0]?.text).toMatch(/^Access denied \(/);
      expect(state.reached).toBe(0);
      // An allowed call does reach it, with the parsed body on the request.
      const ok = await post(
        { authorization: `Bearer ${await mint({ scope: 'mcp:tools:read' })}` },
        toolCall('get_weather', { city: 'Oslo' }),
      );
      const { body } = (await ok.json()) as Echo;
      expect((body as { params: { name: string } }).params.name).toBe('get_weather');
      expect(state.reached).toBe(1);
    });

    it('lets an allowed call through and other MCP methods without a tool decision', async () => {
      const { post, mint } = await setup(adapter, { kind: 'mcpGuard' });
      const token = await mint({ scope: 'mcp:tools:read' });
      expect((await post({ authorization: `Bearer ${token}` })).status).toBe(200);
      const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      expect((await post({ authorization: `Bearer ${token}` }, list)).status).toBe(200);
    });

    it('answers unparseable JSON with a JSON-RPC parse error only after authentication', async () => {
      const { post, mint } = await setup(adapter, { kind: 'mcpGuard' });
      expect((await post({}, '{oops')).status).toBe(401);
      const res = await post({ authorization: `Bearer ${await mint()}` }, '{oops');
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32700);
    });

    it('refuses a body over the cap with 413', async () => {
      const fx = await createFixture();
      const base = await adapter.start(fx, { kind: 'mcpGuard', maxBodyBytes: 1024 });
      const res = await fetch(`${base}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await fx.mint()}` },
        body: toolCall('get_weather', { pad: 'x'.repeat(2048) }),
      });
      expect(res.status).toBe(413);
    });

    it('uses the body a JSON body parser already parsed', async () => {
      const { post, mint } = await setup(adapter, { kind: 'mcpGuard' }, { jsonParserFirst: true });
      const token = await mint({ scope: 'mcp:tools:read' });
      const res = await post({ authorization: `Bearer ${token}` }, toolCall('send_email'));
      expect(res.status).toBe(403);
      const ok = await post({ authorization: `Bearer ${token}` }, toolCall('get_weather'));
      expect(ok.status).toBe(200);
    });

    it('refuses bad options at mount time with a TypeError', async () => {
      const { verifier } = await createFixture();
      expect(() =>
        adapter.mcpGuard({ verifier, resourceMetadataUrl: RESOURCE_METADATA_URL } as never),
      ).toThrow(TypeError);
      expect(() =>
        adapter.mcpGuard({
          verifier,
          policy: {} as never,
          resourceMetadataUrl: RESOURCE_METADATA_URL,
        }),
      ).toThrow(TypeError);
    });
  });
}
