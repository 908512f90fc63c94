import { expect } from 'vitest';
import { type JwtErrorCode, JwtError } from '../../src/errors/jwt-error.js';
import { type JwsBackend, setJwsBackend } from '../../src/runtime/backend.js';
import { nodeJwsBackend } from '../../src/node/jws-backend.js';

/** Both crypto paths: WebCrypto only (the Web entry) and the node:crypto fast path. */
export const BACKENDS: readonly (readonly [string, JwsBackend | undefined])[] = [
  ['web', undefined],
  ['node', nodeJwsBackend],
];

export function useBackend(backend: JwsBackend | undefined): void {
  setJwsBackend(backend);
}

/** Awaits a rejection and returns the error (fails if the promise resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection, but it resolved');
    },
    (error: unknown) => error,
  );
}

/** Asserts a `JwtError` with `code`. */
export async function expectJwtError(promise: Promise<unknown>, code: JwtErrorCode): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(JwtError);
  expect((error as JwtError).code).toBe(code);
}

/** Asserts a synchronous `JwtError` with `code`. */
export function expectJwtErrorSync(fn: () => unknown, code: JwtErrorCode): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(JwtError);
  expect((caught as JwtError).code).toBe(code);
}

export const b64 = (value: string | Uint8Array): string =>
  Buffer.from(typeof value === 'string' ? Buffer.from(value, 'utf8') : value).toString('base64url');
