/**
 * Concurrency (issue 4, "Races"; RFC 9700 §4.14.2; OAuth 2.1 §4.1.3): one code, many
 * redemptions; one refresh token, two rotations. Run on the in-memory store and on a store
 * with random per-operation latency, as a networked store (Redis) would interleave.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';
import { createSetup, json, REDIRECT, type TokenBody, withLatency } from './helpers.js';

for (const [name, makeStore] of [
  ['MemoryStore', () => new MemoryStore()],
  ['latency store', () => withLatency(new MemoryStore(), 8)],
] as const) {
  describe(`races on ${name}`, () => {
    it('50 concurrent redemptions of one code: exactly one success, and its tokens are revoked', async () => {
      const s = await createSetup({ store: makeStore() });
      const { code, verifier } = await s.code();
      const body = {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: 'pub',
      };
      const responses = await Promise.all(Array.from({ length: 50 }, () => s.token(body)));
      const ok = responses.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      for (const r of responses.filter((x) => x.status !== 200)) {
        expect(r.status).toBe(400);
        expect(json(r).error).toBe('invalid_grant');
      }
      const winner = json(ok[0]!) as unknown as TokenBody;
      expect(json(await s.introspect(winner.access_token))).toEqual({ active: false });
      const refreshed = await s.token({
        grant_type: 'refresh_token',
        refresh_token: winner.refresh_token!,
        client_id: 'pub',
      });
      expect(json(refreshed).error).toBe('invalid_grant');
    });

    it('two concurrent refreshes of one token: at most one success', async () => {
      for (let round = 0; round < 20; round++) {
        const s = await createSetup({ store: makeStore() });
        const first = await s.grant();
        const body = {
          grant_type: 'refresh_token',
          refresh_token: first.refresh_token!,
          client_id: 'pub',
        };
        const responses = await Promise.all([s.token(body), s.token(body)]);
        expect(responses.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
        for (const r of responses.filter((x) => x.status !== 200))
          expect(json(r).error).toBe('invalid_grant');
      }
    });

    it('many concurrent refreshes of one token by its client: exactly one success, and the winner keeps its tokens (grace window)', async () => {
      const s = await createSetup({ store: makeStore() });
      const first = await s.grant();
      const body = {
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token!,
        client_id: 'pub',
      };
      const responses = await Promise.all(Array.from({ length: 20 }, () => s.token(body)));
      const ok = responses.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      for (const r of responses.filter((x) => x.status !== 200))
        expect(json(r).error).toBe('invalid_grant');
      const winner = json(ok[0]!) as unknown as TokenBody;
      expect(json(await s.introspect(winner.access_token)).active).toBe(true);
      const next = await s.token({ ...body, refresh_token: winner.refresh_token! });
      expect(next.status).toBe(200);
    });

    it('with refreshReuseGraceSeconds 0, many concurrent refreshes: at most one success, and the family is revoked', async () => {
      const s = await createSetup({ store: makeStore(), refreshReuseGraceSeconds: 0 });
      const first = await s.grant();
      const body = {
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token!,
        client_id: 'pub',
      };
      const responses = await Promise.all(Array.from({ length: 20 }, () => s.token(body)));
      const ok = responses.filter((r) => r.status === 200);
      expect(ok.length).toBeLessThanOrEqual(1);
      // Reuse was detected, so whatever the winner got is revoked too (RFC 9700 §4.14.2).
      for (const r of ok) {
        const t = json(r) as unknown as TokenBody;
        expect(json(await s.introspect(t.access_token))).toEqual({ active: false });
      }
    });
  });
}
