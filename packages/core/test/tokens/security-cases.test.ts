/**
 * SECURITY-CASES 8–19 at the handler level: token, revocation and introspection endpoints.
 * Each test names the case it proves.
 */
import { describe, expect, it } from 'vitest';
import { computeS256Challenge } from '../../src/pkce.js';
import { handleIntrospectionRequest } from '../../src/server/introspection-endpoint.js';
import { handleTokenRequest } from '../../src/server/token-endpoint.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import {
  basic,
  breakable,
  createSetup,
  formRequest,
  identity,
  ISSUER,
  json,
  REDIRECT,
  RESOURCE,
  RS_SECRET,
  SECRET,
  type TokenBody,
} from './helpers.js';

const CODE = 'authorization_code';

describe('SECURITY-CASES 8: a code redeemed twice', () => {
  it('gives invalid_grant the second time and revokes the tokens of the first redemption', async () => {
    const s = await createSetup();
    const { code, verifier } = await s.code();
    const body = {
      grant_type: CODE,
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: 'pub',
    };
    const first = await s.token(body);
    expect(first.status).toBe(200);
    const issued = json(first) as unknown as TokenBody;
    expect(json(await s.introspect(issued.access_token)).active).toBe(true);

    const second = await s.token(body);
    expect(second.status).toBe(400);
    expect(json(second).error).toBe('invalid_grant');
    expect(JSON.stringify(json(second))).not.toContain('access_token');

    expect(json(await s.introspect(issued.access_token))).toEqual({ active: false });
    expect(json(await s.introspect(issued.refresh_token!))).toEqual({ active: false });
    const refreshed = await s.token({
      grant_type: 'refresh_token',
      refresh_token: issued.refresh_token!,
      client_id: 'pub',
    });
    expect(json(refreshed).error).toBe('invalid_grant');
  });
});

describe('SECURITY-CASES 9: an expired code', () => {
  it('is refused with invalid_grant after the 60 s default lifetime', async () => {
    let clock = 1_800_000_000_000;
    const s = await createSetup({ now: () => clock });
    const late = await s.code();
    const inTime = await s.code();
    clock += 59_000;
    const ok = await s.token({
      grant_type: CODE,
      code: inTime.code,
      code_verifier: inTime.verifier,
      redirect_uri: REDIRECT,
      client_id: 'pub',
    });
    expect(ok.status).toBe(200);
    clock += 1_000; // exactly 60 s: expired
    const expired = await s.token({
      grant_type: CODE,
      code: late.code,
      code_verifier: late.verifier,
      redirect_uri: REDIRECT,
      client_id: 'pub',
    });
    expect(expired.status).toBe(400);
    expect(json(expired).error).toBe('invalid_grant');
  });

  it('is refused by the record expiry even if the store still holds it', async () => {
    let clock = 1_800_000_000_000;
    // The store's clock lags: only the service's own expiry check can refuse the code.
    const s = await createSetup({ now: () => clock, store: new MemoryStore() });
    const { code, verifier } = await s.code();
    clock += 61_000;
    const res = await s.token({
      grant_type: CODE,
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: 'pub',
    });
    expect(json(res).error).toBe('invalid_grant');
  });
});

describe('SECURITY-CASES 10: a wrong code_verifier', () => {
  it('gives invalid_grant and burns the code: the right verifier afterwards fails too', async () => {
    const s = await createSetup();
    const { code, verifier } = await s.code();
    const wrong = `${verifier.slice(0, -1)}${verifier.endsWith('A') ? 'B' : 'A'}`;
    const bad = await s.token({
      grant_type: CODE,
      code,
      code_verifier: wrong,
      redirect_uri: REDIRECT,
      client_id: 'pub',
    });
    expect(bad.status).toBe(400);
    expect(json(bad).error).toBe('invalid_grant');
    const right = await s.token({
      grant_type: CODE,
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: 'pub',
    });
    expect(right.status).toBe(400);
    expect(json(right).error).toBe('invalid_grant');
  });
});

describe('SECURITY-CASES 11: a malformed code_verifier', () => {
  const cases: Array<[string, string | undefined]> = [
    ['missing', undefined],
    ['42 characters', 'a'.repeat(42)],
    ['129 characters', 'a'.repeat(129)],
    ['with a space', `${'a'.repeat(30)} ${'b'.repeat(20)}`],
  ];
  for (const [name, value] of cases) {
    it(`${name} → invalid_request (RFC 7636 §4.1)`, async () => {
      const s = await createSetup();
      const { code, verifier } = await s.code();
      const res = await s.token({
        grant_type: CODE,
        code,
        redirect_uri: REDIRECT,
        client_id: 'pub',
        ...(value === undefined ? {} : { code_verifier: value }),
      });
      expect(res.status).toBe(400);
      expect(json(res).error).toBe('invalid_request');
      // A syntax error is caught before the code is touched: the real verifier still works.
      const ok = await s.token({
        grant_type: CODE,
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: 'pub',
      });
      expect(ok.status).toBe(200);
    });
  }
});

describe('SECURITY-CASES 12: code bound to client and redirect_uri', () => {
  it("client A's code redeemed by client B → invalid_grant", async () => {
    const s = await createSetup();
    const { code, verifier } = await s.code('pub');
    const res = await s.token({
      grant_type: CODE,
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: 'pub2',
    });
    expect(res.status).toBe(400);
    expect(json(res).error).toBe('invalid_grant');
  });

  for (const other of [
    `${REDIRECT}/`,
    `${REDIRECT}?x=1`,
    'https://APP.example.test/cb',
    'https://app.example.test/cb.evil.com',
  ]) {
    it(`a different redirect_uri (${other}) → invalid_grant`, async () => {
      const s = await createSetup();
      const { code, verifier } = await s.code();
      const res = await s.token({
        grant_type: CODE,
        code,
        code_verifier: verifier,
        redirect_uri: other,
        client_id: 'pub',
      });
      expect(json(res).error).toBe('invalid_grant');
    });
  }

  it('a missing redirect_uri when the authorization request had one → invalid_grant', async () => {
    const s = await createSetup();
    const { code, verifier } = await s.code();
    const res = await s.token({
      grant_type: CODE,
      code,
      code_verifier: verifier,
      client_id: 'pub',
    });
    expect(json(res).error).toBe('invalid_grant');
  });
});

describe('SECURITY-CASES 13: a confidential client with a wrong secret over HTTP Basic', () => {
  it('→ 401 invalid_client with WWW-Authenticate: Basic', async () => {
    const s = await createSetup();
    const { code, verifier } = await s.code('conf');
    const res = await s.token(
      { grant_type: CODE, code, code_verifier: verifier, redirect_uri: REDIRECT },
      basic('conf', `${SECRET}x`),
    );
    expect(res.status).toBe(401);
    expect(json(res).error).toBe('invalid_client');
    expect(String(res.headers['www-authenticate'])).toMatch(/^Basic /);
    expect(res.body).not.toContain(SECRET);
    // The right secret still works: a failed client authentication does not touch the code.
    const ok = await s.token(
      { grant_type: CODE, code, code_verifier: verifier, redirect_uri: REDIRECT },
      basic('conf', SECRET),
    );
    expect(ok.status).toBe(200);
  });
});

describe('SECURITY-CASES 14: unsupported grant, method and body', () => {
  it('grant_type=password → unsupported_grant_type', async () => {
    const s = await createSetup();
    const res = await s.token({
      grant_type: 'password',
      username: 'u',
      password: 'p',
      client_id: 'pub',
    });
    expect(res.status).toBe(400);
    expect(json(res).error).toBe('unsupported_grant_type');
  });

  it('GET /token → 405 with Allow: POST', async () => {
    const s = await createSetup();
    const res = await handleTokenRequest(
      { method: 'GET', url: new URL(`${ISSUER}/token?grant_type=authorization_code`), headers: {} },
      { tokens: s.tokens, clients: s.clients },
    );
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('POST');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a JSON body → invalid_request', async () => {
    const s = await createSetup();
    const { code, verifier } = await s.code();
    const res = await handleTokenRequest(
      {
        method: 'POST',
        url: new URL(`${ISSUER}/token`),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: CODE,
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT,
          client_id: 'pub',
        }),
      },
      { tokens: s.tokens, clients: s.clients },
    );
    expect(res.status).toBe(400);
    expect(json(res).error).toBe('invalid_request');
  });

  it('a repeated parameter → invalid_request (RFC 6749 §3.1)', async () => {
    const s = await createSetup();
    const { code, verifier } = await s.code();
    const res = await handleTokenRequest(
      {
        method: 'POST',
        url: new URL(`${ISSUER}/token`),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=${CODE}&code=${code}&code=${code}&code_verifier=${verifier}&client_id=pub&redirect_uri=${encodeURIComponent(REDIRECT)}`,
      },
      { tokens: s.tokens, clients: s.clients },
    );
    expect(json(res).error).toBe('invalid_request');
  });
});

describe('SECURITY-CASES 15: Cache-Control: no-store on every token response', () => {
  it('on successes and on every kind of error', async () => {
    const s = await createSetup();
    const { code, verifier } = await s.code();
    const good = {
      grant_type: CODE,
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: 'pub',
    };
    const responses = [
      await s.token(good),
      await s.token(good), // replay
      await s.token({ grant_type: 'password' }),
      await s.token({ grant_type: CODE, client_id: 'nobody', code: 'x', code_verifier: verifier }),
      await s.token({ grant_type: 'refresh_token', refresh_token: 'garbage', client_id: 'pub' }),
      await s.token({ grant_type: CODE, code: 'x', code_verifier: 'short', client_id: 'pub' }),
    ];
    const refreshToken = (json(responses[0]!) as unknown as TokenBody).refresh_token!;
    responses.push(
      await s.token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'pub' }),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 400, 400, 401, 400, 400, 400]);
    for (const r of responses) {
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.headers['pragma']).toBe('no-cache');
    }
  });
});

describe('SECURITY-CASES 16: refresh-token rotation and reuse detection', () => {
  it('RT1 → AT2 + RT2; replaying RT1 (after the grace window) → invalid_grant and revokes RT2 and every access token', async () => {
    let clock = Date.now();
    const s = await createSetup({ now: () => clock });
    const first = await s.grant();
    const rt1 = first.refresh_token!;
    const r2 = await s.token({ grant_type: 'refresh_token', refresh_token: rt1, client_id: 'pub' });
    expect(r2.status).toBe(200);
    const second = json(r2) as unknown as TokenBody;
    expect(second.refresh_token).toBeDefined();
    expect(second.refresh_token).not.toBe(rt1);
    expect(second.access_token).not.toBe(first.access_token);
    expect(json(await s.introspect(second.access_token)).active).toBe(true);

    clock += 10_000; // the 10 s grace window for parallel refreshes is over
    const replay = await s.token({
      grant_type: 'refresh_token',
      refresh_token: rt1,
      client_id: 'pub',
    });
    expect(replay.status).toBe(400);
    expect(json(replay).error).toBe('invalid_grant');

    for (const t of [first.access_token, second.access_token, second.refresh_token!]) {
      expect(json(await s.introspect(t))).toEqual({ active: false });
    }
    const rt2 = await s.token({
      grant_type: 'refresh_token',
      refresh_token: second.refresh_token!,
      client_id: 'pub',
    });
    expect(json(rt2).error).toBe('invalid_grant');
  });

  it('a wider scope than granted → invalid_scope, and the refresh token still works', async () => {
    const s = await createSetup();
    const { code, verifier } = await s.code('pub', ['mcp:tools:get_weather']);
    const granted = json(
      await s.token({
        grant_type: CODE,
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: 'pub',
      }),
    ) as unknown as TokenBody;
    const wider = await s.token({
      grant_type: 'refresh_token',
      refresh_token: granted.refresh_token!,
      client_id: 'pub',
      scope: 'mcp:tools:get_weather mcp:tools:delete_user',
    });
    expect(wider.status).toBe(400);
    expect(json(wider).error).toBe('invalid_scope');
    const same = await s.token({
      grant_type: 'refresh_token',
      refresh_token: granted.refresh_token!,
      client_id: 'pub',
      scope: 'mcp:tools:get_weather',
    });
    expect(same.status).toBe(200);
  });

  it('a narrower scope applies to the new access token; the grant keeps its scope', async () => {
    const s = await createSetup();
    const first = await s.grant();
    const narrow = json(
      await s.token({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token!,
        client_id: 'pub',
        scope: 'profile',
      }),
    ) as unknown as TokenBody;
    expect(narrow.scope).toBe('profile');
    expect(json(await s.introspect(narrow.access_token)).scope).toBe('profile');
    const full = json(
      await s.token({
        grant_type: 'refresh_token',
        refresh_token: narrow.refresh_token!,
        client_id: 'pub',
      }),
    ) as unknown as TokenBody;
    expect(full.scope.split(' ').sort()).toEqual(first.scope.split(' ').sort());
  });

  it("another client's refresh token → invalid_grant (RFC 6749 §6)", async () => {
    const s = await createSetup();
    const first = await s.grant('pub');
    const res = await s.token({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token!,
      client_id: 'pub2',
    });
    expect(json(res).error).toBe('invalid_grant');
    const own = await s.token({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token!,
      client_id: 'pub',
    });
    expect(own.status).toBe(200);
  });
});

describe('SECURITY-CASES 17: randomness of codes and refresh tokens', () => {
  it('10,000 codes and 10,000 refresh tokens are all distinct and carry ≥ 128 bits', async () => {
    const s = await createSetup();
    const verifier = 'v'.repeat(43);
    const challenge = await computeS256Challenge(verifier);
    const codes: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      codes.push(
        await s.tokens.issueAuthorizationCode({
          clientId: 'pub',
          redirectUri: REDIRECT,
          codeChallenge: challenge,
          codeChallengeMethod: 'S256',
          scopes: ['profile'],
          resource: RESOURCE,
          identity,
        }),
      );
    }
    const refreshTokens: string[] = [];
    let current = (
      await s.tokens.redeemAuthorizationCode({
        code: codes[0]!,
        clientId: 'pub',
        redirectUri: REDIRECT,
        codeVerifier: verifier,
      })
    ).refresh_token!;
    refreshTokens.push(current);
    while (refreshTokens.length < 10_000) {
      current = (await s.tokens.refresh({ refreshToken: current, clientId: 'pub' })).refresh_token!;
      refreshTokens.push(current);
    }
    for (const list of [codes, refreshTokens]) {
      expect(new Set(list).size).toBe(10_000);
      const ones = new Array<number>(256).fill(0);
      for (const t of list) {
        // base64url of 32 random bytes: 43 characters, 256 bits (≥ 128 required).
        expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
        const bytes = Uint8Array.from(atob(t.replace(/-/g, '+').replace(/_/g, '/') + '='), (c) =>
          c.charCodeAt(0),
        );
        expect(bytes.length * 8).toBeGreaterThanOrEqual(128);
        for (let bit = 0; bit < 256; bit++)
          if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) ones[bit]!++;
      }
      // Every bit position is set in about half the tokens (binomial sd = 50; 6 sd bound).
      for (const count of ones) expect(Math.abs(count - 5_000)).toBeLessThan(300);
    }
  }, 120_000);
});

describe('SECURITY-CASES 18: revocation', () => {
  it('revoking a garbage token → 200', async () => {
    const s = await createSetup();
    for (const token of ['garbage', 'a.b.c', 'x'.repeat(5000)]) {
      const res = await s.revoke({ token, client_id: 'pub' });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it("revoking a refresh token makes the grant's access tokens inactive", async () => {
    const s = await createSetup();
    const first = await s.grant();
    const second = json(
      await s.token({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token!,
        client_id: 'pub',
      }),
    ) as unknown as TokenBody;
    expect(json(await s.introspect(second.access_token)).active).toBe(true);
    const res = await s.revoke({
      token: second.refresh_token!,
      token_type_hint: 'refresh_token',
      client_id: 'pub',
    });
    expect(res.status).toBe(200);
    expect(json(await s.introspect(first.access_token))).toEqual({ active: false });
    expect(json(await s.introspect(second.access_token))).toEqual({ active: false });
    const refreshed = await s.token({
      grant_type: 'refresh_token',
      refresh_token: second.refresh_token!,
      client_id: 'pub',
    });
    expect(json(refreshed).error).toBe('invalid_grant');
    await expect(
      s.tokens.createAccessTokenVerifier().verify(second.access_token),
    ).rejects.toMatchObject({ code: 'invalid_token', status: 401 });
  });

  it('revoking an access token deactivates only that token (by jti)', async () => {
    const s = await createSetup();
    const first = await s.grant();
    const res = await s.revoke({ token: first.access_token, client_id: 'pub' });
    expect(res.status).toBe(200);
    expect(json(await s.introspect(first.access_token))).toEqual({ active: false });
    const next = await s.token({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token!,
      client_id: 'pub',
    });
    expect(next.status).toBe(200);
    expect(json(await s.introspect((json(next) as unknown as TokenBody).access_token)).active).toBe(
      true,
    );
  });

  it("another client cannot revoke a client's tokens (RFC 7009 §2.1), and still gets 200", async () => {
    const s = await createSetup();
    const first = await s.grant('pub');
    expect((await s.revoke({ token: first.refresh_token!, client_id: 'pub2' })).status).toBe(200);
    expect((await s.revoke({ token: first.access_token, client_id: 'pub2' })).status).toBe(200);
    expect(json(await s.introspect(first.access_token)).active).toBe(true);
    expect(json(await s.introspect(first.refresh_token!)).active).toBe(true);
  });

  it('revocation requires client authentication and a token', async () => {
    const s = await createSetup();
    expect((await s.revoke({ token: 'x' })).status).toBe(401);
    expect(json(await s.revoke({ client_id: 'pub' })).error).toBe('invalid_request');
    const wrong = await s.revoke({ token: 'x' }, basic('conf', 'wrong'));
    expect(wrong.status).toBe(401);
    expect(String(wrong.headers['www-authenticate'])).toMatch(/^Basic/);
  });
});

describe('SECURITY-CASES 19: introspection', () => {
  it('without caller authentication → 401', async () => {
    const s = await createSetup();
    const { access_token } = await s.grant();
    const deps = { tokens: s.tokens, clients: s.clients, resourceServerSecret: RS_SECRET };
    const url = `${ISSUER}/introspect`;
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-secret' },
      basic('conf', 'wrong'),
      { authorization: 'Bearer ' },
    ]) {
      const res = await handleIntrospectionRequest(
        formRequest({ token: access_token }, headers, url),
        deps,
      );
      expect(res.status).toBe(401);
      expect(json(res).error).toBe('invalid_client');
      expect(res.body).not.toContain('active');
    }
    // A public client (auth method none) is not enough.
    const pub = await handleIntrospectionRequest(
      formRequest({ token: access_token, client_id: 'pub' }, {}, url),
      deps,
    );
    expect(pub.status).toBe(401);
    // A confidential client is not either (issue 12 §3); one configured as a resource server is.
    const plain = await handleIntrospectionRequest(
      formRequest({ token: access_token }, basic('conf', SECRET), url),
      deps,
    );
    expect(plain.status).toBe(401);
    const conf = await handleIntrospectionRequest(
      formRequest({ token: access_token }, basic('rs', SECRET), url),
      deps,
    );
    expect(conf.status).toBe(200);
    expect(json(conf)).toMatchObject({
      active: true,
      sub: 'user-1',
      client_id: 'pub',
      aud: RESOURCE,
      iss: ISSUER,
    });
  });

  it('an expired, revoked or garbage token → exactly {"active": false}', async () => {
    // Tokens minted two hours ago have expired by real time.
    const past = await createSetup({ now: () => Date.now() - 2 * 3600_000 });
    const expired = await past.grant();
    const s = await createSetup({ store: past.store });
    const live = await s.grant();
    await s.revoke({ token: live.refresh_token!, client_id: 'pub' });
    const garbage = ['garbage', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.', '', 'x'.repeat(20_000)];
    for (const token of [
      expired.access_token,
      live.access_token,
      live.refresh_token!,
      ...garbage.filter(Boolean),
    ]) {
      const res = await s.introspect(token);
      expect(res.status).toBe(200);
      expect(res.body).toBe('{"active":false}');
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });
});

describe('store failures fail closed (ARCHITECTURE: Store)', () => {
  for (const op of ['take', 'set', 'get', 'getMany'] as const) {
    it(`a failing ${op} → 503 with Retry-After and nothing minted`, async () => {
      const { store, broken } = breakable(new MemoryStore(), [op]);
      const s = await createSetup({ store });
      const first = await s.grant();
      const { code, verifier } = await s.code();
      broken.on = true;
      const responses = [
        await s.token({
          grant_type: CODE,
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT,
          client_id: 'pub',
        }),
        await s.token({
          grant_type: 'refresh_token',
          refresh_token: first.refresh_token!,
          client_id: 'pub',
        }),
      ];
      // Each request either never needed the broken operation (200) or failed closed (503).
      const failed = responses.filter((r) => r.status === 503);
      expect(failed.length).toBeGreaterThan(0);
      for (const r of responses) expect([200, 503]).toContain(r.status);
      for (const r of failed) expect(r.body).not.toContain('access_token');
      for (const r of failed) {
        expect(json(r).error).toBe('temporarily_unavailable');
        expect(r.headers['retry-after']).toBeDefined();
      }
    });
  }

  it('introspection and the verifier give 503 (never active) when the revocation lookup fails', async () => {
    const { store, broken } = breakable(new MemoryStore(), ['getMany', 'get']);
    const s = await createSetup({ store });
    const first = await s.grant();
    broken.on = true;
    const res = await s.introspect(first.access_token);
    expect(res.status).toBe(503);
    await expect(
      s.tokens.createAccessTokenVerifier().verify(first.access_token),
    ).rejects.toMatchObject({ status: 503 });
  });
});

describe('token endpoint details', () => {
  it('a client not registered for refresh_token gets no refresh token and cannot refresh (RFC 6749 §5.2 unauthorized_client)', async () => {
    const s = await createSetup();
    const { code, verifier } = await s.code('pub-no-refresh');
    const res = await s.token({
      grant_type: CODE,
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: 'pub-no-refresh',
    });
    expect(res.status).toBe(200);
    expect(json(res).refresh_token).toBeUndefined();
    const refresh = await s.token({
      grant_type: 'refresh_token',
      refresh_token: 'x'.repeat(43),
      client_id: 'pub-no-refresh',
    });
    expect(json(refresh).error).toBe('unauthorized_client');
  });

  it('client_secret_post works end to end; a resource other than the authorized one → invalid_target (RFC 8707 §2)', async () => {
    const s = await createSetup();
    const first = await s.code('post');
    const ok = await s.token({
      grant_type: CODE,
      code: first.code,
      code_verifier: first.verifier,
      redirect_uri: REDIRECT,
      client_id: 'post',
      client_secret: SECRET,
      resource: RESOURCE,
    });
    expect(ok.status).toBe(200);
    const second = await s.code('post');
    const bad = await s.token({
      grant_type: CODE,
      code: second.code,
      code_verifier: second.verifier,
      redirect_uri: REDIRECT,
      client_id: 'post',
      client_secret: SECRET,
      resource: 'https://other.example.test/mcp',
    });
    expect(json(bad).error).toBe('invalid_target');
  });

  it('missing grant_type or code → invalid_request; a malformed refresh scope → invalid_scope', async () => {
    const s = await createSetup();
    expect(json(await s.token({ client_id: 'pub' })).error).toBe('invalid_request');
    expect(
      json(await s.token({ grant_type: CODE, client_id: 'pub', code_verifier: 'v'.repeat(43) }))
        .error,
    ).toBe('invalid_request');
    const first = await s.grant();
    const res = await s.token({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token!,
      client_id: 'pub',
      scope: 'a  b',
    });
    expect(json(res).error).toBe('invalid_scope');
  });

  it('error bodies never echo a code, verifier, secret or token', async () => {
    const s = await createSetup();
    const { code, verifier } = await s.code();
    const responses = [
      await s.token({
        grant_type: CODE,
        code,
        code_verifier: `${verifier}x`,
        redirect_uri: REDIRECT,
        client_id: 'pub',
      }),
      await s.token({
        grant_type: CODE,
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: 'pub',
      }),
      await s.token(
        { grant_type: CODE, code, code_verifier: verifier },
        basic('conf', `${SECRET}!`),
      ),
    ];
    for (const r of responses) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      for (const secret of [code, verifier, SECRET]) {
        expect(r.body).not.toContain(secret);
        expect(JSON.stringify(r.headers)).not.toContain(secret);
      }
    }
  });
});
