import { base64UrlDecode, base64UrlEncode } from '../encoding/base64url.js';
import { utf8Encode } from '../encoding/utf8.js';
import { ALGORITHMS } from './algorithms.js';
import { getJwsBackend, type HmacAlgorithm } from '../runtime/backend.js';
import type { JwsAlgorithm } from './types.js';

/** Constant-time comparison of two ASCII strings (length is not secret). */
function equalAscii(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function isAllZero(bytes: Uint8Array, from: number, to: number): boolean {
  let any = 0;
  for (let i = from; i < to; i++) any |= bytes[i]!;
  return any === 0;
}

/**
 * Verifies the JWS signature segment over the signing input with `alg` (taken from the key,
 * never from the header). Synchronous when a backend can do it, a promise otherwise.
 * @internal
 */
export function verifySignature(
  alg: JwsAlgorithm,
  key: CryptoKey,
  signingInput: string,
  signatureSegment: string,
): boolean | Promise<boolean> {
  const info = ALGORITHMS[alg];
  const backend = getJwsBackend();
  if (info.family === 'oct') {
    // The canonical encoding of the expected MAC must equal the segment exactly.
    const mac = backend?.hmacBase64Url(alg as HmacAlgorithm, key, signingInput);
    if (mac !== undefined) return equalAscii(mac, signatureSegment);
    return crypto.subtle
      .sign(info.signParams, key, utf8Encode(signingInput) as Uint8Array<ArrayBuffer>)
      .then((sig) => equalAscii(base64UrlEncode(new Uint8Array(sig)), signatureSegment));
  }
  const signature = base64UrlDecode(signatureSegment);
  if (signature === undefined) return false;
  if (info.signatureLength !== undefined && signature.length !== info.signatureLength) return false;
  if (info.family === 'RSA') {
    const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
    if (signature.length !== Math.ceil(bits / 8)) return false;
  }
  if (info.family === 'EC') {
    // SECURITY-CASES 34: r = 0 or s = 0 is never a valid ECDSA signature.
    const half = signature.length / 2;
    if (isAllZero(signature, 0, half) || isAllZero(signature, half, signature.length)) return false;
  }
  const data = utf8Encode(signingInput);
  const result = backend?.verify(alg, key, data, signature);
  if (result !== undefined) return result;
  return crypto.subtle.verify(
    info.signParams,
    key,
    signature as Uint8Array<ArrayBuffer>,
    data as Uint8Array<ArrayBuffer>,
  );
}

/** Signs the signing input, returning the base64url signature segment. @internal */
export async function createSignature(
  alg: JwsAlgorithm,
  key: CryptoKey,
  signingInput: string,
): Promise<string> {
  const info = ALGORITHMS[alg];
  const backend = getJwsBackend();
  if (info.family === 'oct') {
    const mac = backend?.hmacBase64Url(alg as HmacAlgorithm, key, signingInput);
    if (mac !== undefined) return mac;
  }
  const data = utf8Encode(signingInput);
  const fast = info.family === 'oct' ? undefined : backend?.sign(alg, key, data);
  const signature =
    fast ??
    new Uint8Array(await crypto.subtle.sign(info.signParams, key, data as Uint8Array<ArrayBuffer>));
  return base64UrlEncode(signature);
}
