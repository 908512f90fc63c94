import { describe, expect, it } from 'vitest';
import type { AuthContext } from './auth-context.js';
import { checkTokenVerifier } from './check-token-verifier.js';

const verify = async (): Promise<AuthContext> => {
  throw new Error('not called');
};

describe('checkTokenVerifier: one "has verify()" rule', () => {
  it('accepts an object or class instance with verify(token), returned as is', () => {
    const plain = { verify };
    expect(checkTokenVerifier(plain, 'x: verifier')).toBe(plain);
    class Verifier {
      verify = verify;
    }
    const instance = new Verifier();
    expect(checkTokenVerifier(instance, 'x: verifier')).toBe(instance);
  });

  // The interface allows it, and core's guards and fastmcp took it; the SDK adapters' own
  // copy refused it (typeof !== 'object'). One answer now: accepted.
  it('accepts a function carrying verify(token), as the TokenVerifier interface allows', () => {
    const fn = Object.assign(() => undefined, { verify });
    expect(checkTokenVerifier(fn, 'x: verifier')).toBe(fn);
  });

  it('refuses anything without a verify method, with a TypeError starting with `where`', () => {
    for (const bad of [undefined, null, 'token', 42, {}, { verify: 'yes' }, () => undefined]) {
      expect(() => checkTokenVerifier(bad, 'createX: verifier')).toThrow(TypeError);
      expect(() => checkTokenVerifier(bad, 'createX: verifier')).toThrow(/^createX: verifier /);
    }
  });
});
