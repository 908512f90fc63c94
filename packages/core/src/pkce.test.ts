import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeS256Challenge,
  generateCodeVerifier,
  isValidCodeVerifier,
  isValidS256Challenge,
  verifyPkce,
} from './pkce.js';

describe('PKCE (RFC 7636)', () => {
  it('Appendix B vector: verifier → challenge', async () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(await computeS256Challenge(verifier)).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
    expect(await verifyPkce(verifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'S256')).toBe(
      true,
    );
  });

  it('§4.1: generated verifiers are 43–128 unreserved characters and distinct', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const v = generateCodeVerifier();
      expect(isValidCodeVerifier(v)).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(1000);
    expect(generateCodeVerifier(43)).toHaveLength(43);
    expect(generateCodeVerifier(128)).toHaveLength(128);
    expect(() => generateCodeVerifier(42)).toThrow(TypeError);
    expect(() => generateCodeVerifier(129)).toThrow(TypeError);
  });

  it('refuses plain, absent or unknown methods even when the values match', async () => {
    const v = generateCodeVerifier();
    expect(await verifyPkce(v, v, 'plain')).toBe(false);
    expect(await verifyPkce(v, await computeS256Challenge(v), 'plain')).toBe(false);
    expect(await verifyPkce(v, await computeS256Challenge(v), 's256')).toBe(false);
    expect(await verifyPkce(v, await computeS256Challenge(v), undefined)).toBe(true); // default S256
  });

  it('rejects malformed verifiers: 42 or 129 characters, a space, non-ASCII', async () => {
    const c = await computeS256Challenge(generateCodeVerifier());
    for (const bad of [
      'a'.repeat(42),
      'a'.repeat(129),
      `${'a'.repeat(42)} `,
      `${'a'.repeat(42)}é`,
      '',
      42,
    ]) {
      expect(isValidCodeVerifier(bad)).toBe(false);
      expect(await verifyPkce(bad, c)).toBe(false);
    }
  });

  it('rejects malformed challenges: 42 or 129 characters, "+", "=", non-canonical tail', () => {
    const good = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
    expect(isValidS256Challenge(good)).toBe(true);
    for (const bad of [
      good.slice(0, 42),
      'a'.repeat(129),
      `${good.slice(0, 42)}+`,
      `${good}=`,
      `${good.slice(0, 42)}N`,
    ]) {
      expect(isValidS256Challenge(bad)).toBe(false);
    }
  });

  it('property: a verifier matches its own challenge and no other verifier does', async () => {
    const verifier = fc.stringMatching(/^[A-Za-z0-9\-._~]{43,128}$/);
    await fc.assert(
      fc.asyncProperty(verifier, verifier, async (a, b) => {
        const ca = await computeS256Challenge(a);
        expect(await verifyPkce(a, ca)).toBe(true);
        if (a !== b) expect(await verifyPkce(b, ca)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
