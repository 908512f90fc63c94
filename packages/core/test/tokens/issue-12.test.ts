/**
 * Issue 12 (token side): introspection only for resource servers (§3), and a coherent outcome
 * for parallel use of one refresh token (§5, RFC 9700 §4.14.2). Listed in
 * docs/security-cases.md (AS-n).
 */
import { describe, expect, it } from 'vitest';
import { handleIntrospectionRequest } from '../../src/server/introspection-endpoint.js';
import {
  basic,
  createSetup,
  formRequest,
  ISSUER,
  json,
  RS_SECRET,
  SECRET,
  type TokenBody,
} from './helpers.js';

const url = `${ISSUER}/introspect`;

describe('AS-4..6: introspection is for resource servers only', () => {
  it("AS-4: a confidential client that is not a resource server → 401 invalid_client, for its own and for another client's refresh token", async () => {
    const s = await createSetup();
    const victim = await s.grant('pub');
    const own = await s.grant('conf');
    const deps = { tokens: s.tokens, clients: s.clients, resourceServerSecret: RS_SECRET };
    for (const token of [victim.refresh_token!, victim.access_token, own.access_token]) {
      const res = await handleIntrospectionRequest(
        formRequest({ token }, basic('conf', SECRET), url),
        deps,
      );
      expect(res.status).toBe(401);
      expect(json(res).error).toBe('invalid_client');
      expect(res.headers['WWW-Authenticate'] ?? res.headers['www-authenticate']).toMatch(/^Basic/);
      expect(res.body).not.toContain('active');
    }
    // client_secret_post is refused the same way.
    const post = await handleIntrospectionRequest(
      formRequest(
        { token: victim.refresh_token!, client_id: 'post', client_secret: SECRET },
        {},
        url,
      ),
      deps,
    );
    expect(post.status).toBe(401);
  });

  it('AS-5: the introspection secret and a client marked resourceServer see any live token', async () => {
    const s = await createSetup();
    const victim = await s.grant('pub');
    const deps = { tokens: s.tokens, clients: s.clients, resourceServerSecret: RS_SECRET };
    for (const headers of [{ authorization: `Bearer ${RS_SECRET}` }, basic('rs', SECRET)]) {
      const res = await handleIntrospectionRequest(
        formRequest({ token: victim.refresh_token! }, headers, url),
        deps,
      );
      expect(res.status).toBe(200);
      expect(json(res)).toMatchObject({ active: true, client_id: 'pub' });
    }
  });

  it("AS-6: with callers 'own-tokens', a client sees its own tokens and {active:false} for another client's", async () => {
    const s = await createSetup();
    const victim = await s.grant('pub');
    const own = await s.grant('conf');
    const deps = { tokens: s.tokens, clients: s.clients, callers: 'own-tokens' as const };
    const foreign = await handleIntrospectionRequest(
      formRequest({ token: victim.refresh_token! }, basic('conf', SECRET), url),
      deps,
    );
    expect(foreign.status).toBe(200);
    expect(json(foreign)).toEqual({ active: false });
    const foreignAccess = await handleIntrospectionRequest(
      formRequest({ token: victim.access_token }, basic('conf', SECRET), url),
      deps,
    );
    expect(json(foreignAccess)).toEqual({ active: false });
    const mine = await handleIntrospectionRequest(
      formRequest({ token: own.access_token }, basic('conf', SECRET), url),
      deps,
    );
    expect(json(mine)).toMatchObject({ active: true, client_id: 'conf' });
  });
});

describe('AS-12..14: parallel use of one refresh token (RFC 9700 §4.14.2, grace window)', () => {
  it("AS-12: two parallel refreshes by the same client: one wins, the other gets invalid_grant, and the winner's tokens stay valid", async () => {
    for (let round = 0; round < 10; round++) {
      const s = await createSetup();
      const first = await s.grant();
      const body = {
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token!,
        client_id: 'pub',
      };
      const [a, b] = await Promise.all([s.token(body), s.token(body)]);
      const ok = [a!, b!].filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      const loser = [a!, b!].find((r) => r.status !== 200)!;
      expect(json(loser).error).toBe('invalid_grant');
      const winner = json(ok[0]!) as unknown as TokenBody;
      expect((await s.tokens.introspect(winner.access_token)).active).toBe(true);
      expect((await s.tokens.introspect(winner.refresh_token!)).active).toBe(true);
    }
  });

  it('AS-13: the same client presenting the rotated token again within the window: invalid_grant, no tokens, the family lives', async () => {
    let clock = Date.now();
    const s = await createSetup({ now: () => clock });
    const first = await s.grant();
    const body = {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token!,
      client_id: 'pub',
    };
    const win = json(await s.token(body)) as unknown as TokenBody;
    clock += 9_000;
    const again = await s.token(body);
    expect(again.status).toBe(400);
    expect(json(again).error).toBe('invalid_grant');
    expect(again.body).not.toContain('access_token');
    expect((await s.tokens.introspect(win.access_token)).active).toBe(true);
  });

  it('AS-14: past the window, or from another client within it, the replay is theft: the family is revoked', async () => {
    let clock = Date.now();
    const s = await createSetup({ now: () => clock });
    const first = await s.grant();
    const body = {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token!,
      client_id: 'pub',
    };
    const win = json(await s.token(body)) as unknown as TokenBody;
    const other = await s.token({ ...body, client_id: 'pub2' });
    expect(json(other).error).toBe('invalid_grant');
    expect((await s.tokens.introspect(win.access_token)).active).toBe(false);

    const t = await createSetup({ now: () => clock });
    const f2 = await t.grant();
    const b2 = { grant_type: 'refresh_token', refresh_token: f2.refresh_token!, client_id: 'pub' };
    const w2 = json(await t.token(b2)) as unknown as TokenBody;
    clock += 10_000;
    expect(json(await t.token(b2)).error).toBe('invalid_grant');
    expect((await t.tokens.introspect(w2.access_token)).active).toBe(false);
    expect((await t.tokens.introspect(w2.refresh_token!)).active).toBe(false);
  });

  it('refreshReuseGraceSeconds is checked at construction', async () => {
    await expect(createSetup({ refreshReuseGraceSeconds: -1 })).rejects.toThrow(TypeError);
    await expect(createSetup({ refreshReuseGraceSeconds: 1.5 })).rejects.toThrow(TypeError);
  });
});
