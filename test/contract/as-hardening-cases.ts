// Issue 12's server-side authorization-server cases (docs/security-cases.md, "Authorization
// server and store"), written once and run over real HTTP through every contract mount:
// Express, Koa, fastmcp and the Fetch handler. Core's handler tests (packages/core/test/server/
// issue-12.test.ts, test/tokens/issue-12.test.ts) prove the mechanism; these prove each adapter
// delivers it, in particular that it hands core the connection's address (`remoteAddress`):
// requests leave from distinct loopback source addresses (127.0.x.y, `localAddress`), and the
// per-address limits can only tell them apart if the adapter passed the socket's address on.
import { request as httpRequest } from 'node:http';
import {
  createLoginThrottle,
  DEMO_USERS,
  DevIdentityProvider,
  MemoryStore,
  type AuthorizationServerOptions,
} from '@mcp-auth/core';
// The public `@mcp-auth/core/testing` entry, by path (see suite.ts).
import {
  authorizeWithForms,
  CookieJar,
  type FetchLike,
  parseForms,
} from '../../packages/core/src/testing/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  buildSpec,
  contractServerOptions,
  createContractPolicy,
  INTROSPECTION_SECRET,
  PASSWORD,
  pkcePair,
  READ,
  REDIRECT,
  readRpc,
  rpc,
  TestClock,
  WRITE,
} from './fixtures.js';
import type { ContractMount, MountContract } from './suite.js';

/** Entries of the small MemoryStore the flood cases run against. */
const STORE_CAP = 80;
/** The configured resource server's secret at the introspection endpoint. */
const RS_ID = 'contract-resource-server';
const RS_SECRET = 'contract-resource-server-secret-0123456789';
/** Per-address caps of the limits block. */
const INTERACTIONS_PER_ADDRESS = 3;
const REGISTRATIONS_PER_ADDRESS = 2;

type Fields = Record<string, string>;

/**
 * A `fetch` whose connections leave from `localAddress` (any 127.0.0.0/8 address is loopback on
 * Linux), so the server sees that address as the peer's.
 */
export function fetchFrom(localAddress: string): FetchLike {
  return async (request) => {
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => {
      headers[key] = value;
    });
    if (body) headers['content-length'] = String(body.length);
    return new Promise<Response>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: request.method,
          headers,
          localAddress,
          agent: false,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const out = new Headers();
            const raw = incoming.rawHeaders;
            for (let i = 0; i + 1 < raw.length; i += 2) out.append(raw[i]!, raw[i + 1]!);
            const status = incoming.statusCode ?? 0;
            const empty = status === 204 || status === 304;
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: out }));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.setTimeout(10_000, () => outgoing.destroy(new Error('fetchFrom: timeout')));
      outgoing.end(body);
    });
  };
}

const viaDefault: FetchLike = (request) => fetch(request);

/** Small HTTP helpers against one mount, from one source address. */
function client(base: () => string, send: FetchLike = viaDefault) {
  const at = (path: string | URL) => new URL(path, base());
  return {
    get: (path: string | URL, headers: Fields = {}) =>
      send(new Request(at(path), { redirect: 'manual', headers })),
    form: (path: string, body: Fields, headers: Fields = {}) =>
      send(
        new Request(at(path), {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(body).toString(),
        }),
      ),
    json: (path: string, body: unknown, headers: Fields = {}) =>
      send(
        new Request(at(path), {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        }),
      ),
  };
}

const basic = (id: string, secret: string) =>
  `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;

async function errorOf(response: Response): Promise<string | undefined> {
  return ((await response.json()) as { error?: string }).error;
}

/** Flows every block runs against its own mount. */
function flows(getMount: () => ContractMount) {
  const base = () => getMount().baseUrl;

  async function register(send: FetchLike = viaDefault, body: Record<string, unknown> = {}) {
    const response = await client(base, send).json('/register', {
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      scope: `${READ} ${WRITE} ${ADMIN}`,
      ...body,
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { client_id: string; client_secret?: string };
  }

  async function authorizeUrl(clientId: string, state = 'as-hardening') {
    const { verifier, challenge } = await pkcePair();
    const url = new URL('/authorize', base());
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      scope: READ,
      resource: getMount().mcpUrl,
    })) {
      url.searchParams.set(k, v);
    }
    return { url, verifier };
  }

  /** Registers a public client and signs `user` in through the forms; returns the tokens. */
  async function signIn(user: string, send: FetchLike = viaDefault) {
    const registered = await register(send);
    const { url, verifier } = await authorizeUrl(registered.client_id);
    const result = await authorizeWithForms({
      fetch: send,
      authorizationUrl: url,
      username: user,
      password: PASSWORD,
    });
    expect(result.code).toBeDefined();
    const response = await client(base).form('/token', {
      grant_type: 'authorization_code',
      code: result.code!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id: registered.client_id,
      resource: getMount().mcpUrl,
    });
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as { access_token: string; refresh_token: string };
    return { ...tokens, clientId: registered.client_id };
  }

  function refresh(clientId: string, refreshToken: string) {
    return client(base).form('/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });
  }

  /** `tools/list` at the MCP endpoint with `token`: the adapter's guard decides. */
  async function mcpStatus(token: string): Promise<number> {
    const response = await fetch(getMount().mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
      },
      body: rpc('tools/list'),
    });
    if (response.status === 200) {
      // Accepted means served: the answer lists the tools.
      expect(JSON.stringify(await readRpc(response))).toContain('get_weather');
    } else {
      await response.body?.cancel();
    }
    return response.status;
  }

  return { register, authorizeUrl, signIn, refresh, mcpStatus };
}

/** Registers issue 12's server-side cases for one mount. */
export function defineAsHardeningCases(name: string, mount: MountContract): void {
  describe(`${name}: authorization-server hardening through the adapter (issue 12)`, () => {
    describe(`a ${STORE_CAP}-entry MemoryStore (§2)`, () => {
      const clock = new TestClock();
      const policy = createContractPolicy();
      const store = new MemoryStore({ maxEntries: STORE_CAP, now: clock.now });
      let m: ContractMount;
      const f = flows(() => m);
      let revoked: { access_token: string; refresh_token: string; clientId: string } | undefined;

      beforeAll(async () => {
        m = await mount(
          buildSpec(policy, (origin) =>
            contractServerOptions(origin, policy, store, clock, {
              // Every request of this block comes from 127.0.0.1: no per-address caps here.
              registration: { rateLimit: false },
              interactionLimits: { perAddress: false },
            }),
          ),
        );
      });
      afterAll(async () => {
        await m?.close();
      });

      it(`issue 12 §2: a flood of ${2 * STORE_CAP} unauthenticated GET /authorize (twice the store cap) does not revive carol's revoked token`, async () => {
        const carol = await f.signIn('carol');
        expect(await f.mcpStatus(carol.access_token)).toBe(200);
        const revoke = await client(() => m.baseUrl).form('/revoke', {
          token: carol.refresh_token,
          client_id: carol.clientId,
        });
        expect(revoke.status).toBe(200);
        expect(await f.mcpStatus(carol.access_token)).toBe(401);
        revoked = carol;

        const flooder = await f.register();
        const { url } = await f.authorizeUrl(flooder.client_id);
        for (let i = 0; i < 2 * STORE_CAP; i++) {
          url.searchParams.set('state', `flood-${i}`);
          const page = await fetch(url, { redirect: 'manual' });
          expect(page.status).toBe(200); // each one a pending interaction in the store
          await page.body?.cancel();
        }
        expect(store.size).toBeLessThanOrEqual(STORE_CAP);
        expect(await f.mcpStatus(carol.access_token)).toBe(401);
        const again = await f.refresh(carol.clientId, carol.refresh_token);
        expect(again.status).toBe(400);
        expect(await errorOf(again)).toBe('invalid_grant');
      });

      it('issue 12 §2: when registrations (durable) fill the store, /register and /authorize answer 503 with Retry-After, never 2xx, and the revoked token stays revoked', async () => {
        expect(revoked).toBeDefined();
        const statuses: number[] = [];
        let last: Response | undefined;
        for (let i = 0; i < STORE_CAP + 10; i++) {
          last = await client(() => m.baseUrl).json('/register', {
            redirect_uris: [REDIRECT],
            token_endpoint_auth_method: 'none',
          });
          statuses.push(last.status);
          if (last.status !== 201) break;
          await last.body?.cancel();
        }
        expect(statuses).toContain(201);
        expect(statuses.at(-1)).toBe(503);
        expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(await errorOf(last!)).toBe('temporarily_unavailable');
        // Full of durable state: further writes keep failing closed.
        const more = await client(() => m.baseUrl).json('/register', {
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'none',
        });
        expect(more.status).toBe(503);
        await more.body?.cancel();
        const { url } = await f.authorizeUrl(revoked!.clientId);
        const page = await fetch(url, { redirect: 'manual' });
        expect(page.status).toBe(503); // no interaction can be stored either
        await page.body?.cancel();
        expect(await f.mcpStatus(revoked!.access_token)).toBe(401);
        const refresh = await f.refresh(revoked!.clientId, revoked!.refresh_token);
        expect([400, 503]).toContain(refresh.status);
        await refresh.body?.cancel();
      });
    });

    describe('limits per caller address and per username, introspection, redirect URIs, parallel refresh (§2–§5)', () => {
      const clock = new TestClock();
      const policy = createContractPolicy();
      const store = new MemoryStore({ now: clock.now });
      let m: ContractMount;
      const f = flows(() => m);
      // Each caller gets its own loopback source address (127.0.10.1, 127.0.10.2, …).
      let addresses = 0;
      const fresh = () => {
        addresses++;
        return `127.0.${10 + Math.floor(addresses / 250)}.${(addresses % 250) + 1}`;
      };

      beforeAll(async () => {
        const overrides: Partial<AuthorizationServerOptions> = {
          identityProvider: new DevIdentityProvider({
            iterations: 10_000,
            users: DEMO_USERS,
            // On the server's store and clock, so the test can let the backoff pass.
            throttle: createLoginThrottle({ store, now: clock.now }),
          }),
          interactionLimits: { perAddress: INTERACTIONS_PER_ADDRESS },
          // The default key: the caller's address (what the adapter passed as remoteAddress).
          registration: { rateLimit: { max: REGISTRATIONS_PER_ADDRESS, windowSeconds: 60 } },
          clients: [
            {
              clientId: RS_ID,
              clientSecret: RS_SECRET,
              redirectUris: [REDIRECT],
              resourceServer: true,
            },
          ],
        };
        m = await mount(
          buildSpec(policy, (origin) =>
            contractServerOptions(origin, policy, store, clock, overrides),
          ),
        );
      });
      afterAll(async () => {
        await m?.close();
      });

      it(`issue 12 §2: pending interactions are capped per caller address (${INTERACTIONS_PER_ADDRESS}) → 429 page; X-Forwarded-For changes nothing; another address goes on`, async () => {
        const registered = await f.register(fetchFrom(fresh()));
        const { url } = await f.authorizeUrl(registered.client_id);
        const a = client(() => m.baseUrl, fetchFrom(fresh()));
        for (let i = 0; i < INTERACTIONS_PER_ADDRESS; i++) {
          const page = await a.get(url);
          expect(page.status).toBe(200);
          await page.body?.cancel();
        }
        const capped = await a.get(url, { 'x-forwarded-for': '192.0.2.9' });
        expect(capped.status).toBe(429);
        expect(capped.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(await capped.text()).toContain('too_many_interactions');
        const b = await client(() => m.baseUrl, fetchFrom(fresh())).get(url);
        expect(b.status).toBe(200);
        await b.body?.cancel();
      });

      it('issue 12 §3: introspection by a self-registered confidential client → 401 invalid_client, nothing about the token; by the configured resource server (secret or client) → the claims', async () => {
        const carol = await f.signIn('carol', fetchFrom(fresh()));
        const confidential = await f.register(fetchFrom(fresh()), {
          token_endpoint_auth_method: 'client_secret_basic',
        });
        expect(confidential.client_secret).toBeDefined();
        const h = client(() => m.baseUrl);
        for (const token of [carol.refresh_token, carol.access_token]) {
          const refused = await h.form(
            '/introspect',
            { token },
            { authorization: basic(confidential.client_id, confidential.client_secret!) },
          );
          expect(refused.status).toBe(401);
          const text = await refused.text();
          expect(JSON.parse(text)).toMatchObject({ error: 'invalid_client' });
          expect(text).not.toContain('carol');
          expect(text).not.toContain('active');
        }
        for (const authorization of [basic(RS_ID, RS_SECRET), `Bearer ${INTROSPECTION_SECRET}`]) {
          for (const token of [carol.access_token, carol.refresh_token]) {
            const answer = await h.form('/introspect', { token }, { authorization });
            expect(answer.status).toBe(200);
            expect(await answer.json()).toMatchObject({ active: true, sub: 'carol' });
          }
        }
        // Nothing was spent: the refresh token still works.
        const refreshed = await f.refresh(carol.clientId, carol.refresh_token);
        expect(refreshed.status).toBe(200);
        await refreshed.body?.cancel();
      });

      it('issue 12 §4: login throttling per username across new interactions and addresses: 6 wrong guesses, then the right password → 429 too_many_requests; after the backoff it signs in', async () => {
        const registered = await f.register(fetchFrom(fresh()));
        const guess = async (password: string) => {
          const send = fetchFrom(fresh()); // a new interaction, from a new address, each time
          const h = client(() => m.baseUrl, send);
          const { url } = await f.authorizeUrl(registered.client_id);
          const page = await h.get(url);
          expect(page.status).toBe(200);
          const jar = new CookieJar();
          jar.store(page);
          const form = parseForms(await page.text())[0]!;
          const fields: Fields = Object.fromEntries(form.fields);
          fields.username = 'alice';
          fields[form.passwordFields[0]!] = password;
          const action = new URL(form.action, url);
          const response = await h.form(action.pathname + action.search, fields, {
            cookie: jar.header()!,
          });
          return { status: response.status, text: await response.text(), response };
        };
        // 5 free guesses, and one more when the backoff starts (it lets one through per wait).
        for (let i = 1; i <= 6; i++) {
          const wrong = await guess(`wrong-${i}`);
          expect(wrong.status, `guess ${i}`).toBe(401);
        }
        const locked = await guess(PASSWORD);
        expect(locked.status).toBe(429);
        expect(locked.text).toContain('too_many_requests');
        expect(locked.response.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(locked.text).not.toContain('name="decision"'); // never the consent page
        clock.advance(3); // past the 2 s wait
        const after = await guess(PASSWORD);
        expect(after.status).toBe(200);
        expect(after.text).toContain('name="decision"');
      });

      it(`issue 12 §4: registration is bucketed per caller address (${REGISTRATIONS_PER_ADDRESS}/min): one address flooding → 429, X-Forwarded-For ignored; another address still registers`, async () => {
        const a = client(() => m.baseUrl, fetchFrom(fresh()));
        const body = { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' };
        for (let i = 0; i < REGISTRATIONS_PER_ADDRESS; i++) {
          const ok = await a.json('/register', body);
          expect(ok.status).toBe(201);
          await ok.body?.cancel();
        }
        const flood = await a.json('/register', body, { 'x-forwarded-for': '192.0.2.77' });
        expect(flood.status).toBe(429);
        expect(flood.headers.get('retry-after')).toMatch(/^\d+$/);
        await flood.body?.cancel();
        const other = await client(() => m.baseUrl, fetchFrom(fresh())).json('/register', body);
        expect(other.status).toBe(201);
        await other.body?.cancel();
      });

      it('issue 12 §5: a redirect URI with ; , or quotes in its host, or port 99999 or 09999 → 400 invalid_redirect_uri at registration (port 9999 is fine)', async () => {
        for (const uri of [
          'https://x;sandbox/cb',
          'https://x,y/cb',
          'https://x"y/cb',
          "https://x'y/cb",
          'http://127.0.0.1:99999/cb',
          'http://127.0.0.1:09999/cb',
        ]) {
          const response = await client(() => m.baseUrl, fetchFrom(fresh())).json('/register', {
            redirect_uris: [uri],
            token_endpoint_auth_method: 'none',
          });
          expect(response.status, uri).toBe(400);
          expect(await errorOf(response), uri).toBe('invalid_redirect_uri');
        }
        const canonical = await client(() => m.baseUrl, fetchFrom(fresh())).json('/register', {
          redirect_uris: ['http://127.0.0.1:9999/cb'],
          token_endpoint_auth_method: 'none',
        });
        expect(canonical.status).toBe(201);
        await canonical.body?.cancel();
      });

      it("issue 12 §5: parallel refresh of one token by its client within the grace window → one success, the loser invalid_grant, and the winner's tokens keep working", async () => {
        const bob = await f.signIn('bob', fetchFrom(fresh()));
        const answers = await Promise.all([
          f.refresh(bob.clientId, bob.refresh_token),
          f.refresh(bob.clientId, bob.refresh_token),
        ]);
        expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
        const winner = answers.find((a) => a.status === 200)!;
        const loser = answers.find((a) => a.status === 400)!;
        expect(await errorOf(loser)).toBe('invalid_grant');
        const tokens = (await winner.json()) as { access_token: string; refresh_token: string };
        expect(await f.mcpStatus(tokens.access_token)).toBe(200);
        const next = await f.refresh(bob.clientId, tokens.refresh_token);
        expect(next.status).toBe(200);
        const latest = (await next.json()) as { access_token: string };
        expect(await f.mcpStatus(latest.access_token)).toBe(200);
      });
    });
  });
}
