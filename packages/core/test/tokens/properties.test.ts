/**
 * Property checks of the refresh family (RFC 9700 §4.14.2) with fast-check: for any sequence
 * of refreshes with the current token or with some older one, every refresh with the current
 * token succeeds until the first replay of an older one; from then on nothing of the grant
 * works and every access token it issued is inactive.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSetup } from './helpers.js';

describe('refresh family properties', () => {
  it('a replay of any rotated token (past the grace window) kills the whole family, and only a replay does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant<'current'>('current'), fc.nat({ max: 20 })), {
          minLength: 1,
          maxLength: 12,
        }),
        async (steps) => {
          // Each step comes 11 s after the last: past the 10 s reuse grace window.
          let clock = Date.now();
          const s = await createSetup({ now: () => clock });
          const first = await s.grant();
          const used: string[] = [];
          const accessTokens = [first.access_token];
          let current = first.refresh_token!;
          let revoked = false;
          for (const step of steps) {
            clock += 11_000;
            const replay = step !== 'current' && used.length > 0;
            const token = replay ? used[(step as number) % used.length]! : current;
            const result = await s.tokens.refresh({ refreshToken: token, clientId: 'pub' }).then(
              (r) => r,
              (e: { code: string }) => e,
            );
            if (revoked || replay) {
              expect(result).toMatchObject({ code: 'invalid_grant' });
              revoked = true;
            } else {
              expect(result).toHaveProperty('access_token');
              const r = result as { access_token: string; refresh_token: string };
              used.push(current);
              current = r.refresh_token;
              accessTokens.push(r.access_token);
            }
          }
          for (const at of accessTokens) {
            expect((await s.tokens.introspect(at)).active).toBe(!revoked);
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it('any string that is not a live code is refused without minting (invalid_grant or invalid_request)', async () => {
    const s = await createSetup();
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 600 }),
        fc.string({ minLength: 43, maxLength: 128 }),
        async (code, verifier) => {
          const result = await s.tokens
            .redeemAuthorizationCode({
              code,
              clientId: 'pub',
              redirectUri: 'https://app.example.test/cb',
              codeVerifier: verifier,
            })
            .then(
              () => 'minted',
              (e: { code: string }) => e.code,
            );
          expect(['invalid_grant', 'invalid_request']).toContain(result);
        },
      ),
      { numRuns: 300 },
    );
  });
});
