import {
  createHash,
  createHmac,
  KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  constants,
} from 'node:crypto';
import { isAscii, isUtf8 } from 'node:buffer';
import { ALGORITHMS } from '../jwt/algorithms.js';
import type { HmacAlgorithm, JwsBackend } from '../jwt/backend.js';
import type { JwsAlgorithm } from '../jwt/types.js';

// CryptoKey → KeyObject, converted once per key.
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

function keyObjectOf(key: CryptoKey): KeyObject {
  let ko = keyObjects.get(key);
  if (ko === undefined) {
    ko = KeyObject.from(key);
    keyObjects.set(key, ko);
  }
  return ko;
}

function asymmetricOptions(alg: JwsAlgorithm, key: KeyObject) {
  if (alg === 'PS256') {
    return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  }
  if (alg === 'ES256' || alg === 'ES384') return { key, dsaEncoding: 'ieee-p1363' as const };
  return { key };
}

/**
 * Strict base64url + fatal UTF-8, natively; same results as the portable decoders. Node's
 * decoder skips invalid characters, so the input must equal the canonical re-encoding of
 * what it decoded to (this refuses padding, `+`, `/`, whitespace and non-zero tail bits).
 */
function decodeSegment(segment: string): string | undefined {
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.toString('base64url') !== segment) return undefined;
  if (isAscii(bytes)) return bytes.toString('latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

/**
 * The Node fast path: synchronous `node:crypto` for HMAC (WebCrypto's HMAC costs several
 * times the raw MAC on Node) and for asymmetric signatures. Installed by `index.node.ts`.
 * @internal
 */
export const nodeJwsBackend: JwsBackend = {
  name: 'node:crypto',
  decodeSegment,
  sha256Base64Url(input: string): string {
    return createHash('sha256').update(input, 'utf8').digest('base64url');
  },
  hmacBase64Url(alg: HmacAlgorithm, key: CryptoKey, signingInput: string): string {
    return createHmac(ALGORITHMS[alg].hash!, keyObjectOf(key))
      .update(signingInput, 'latin1')
      .digest('base64url');
  },
  verify(alg, key, data, signature) {
    const hash = ALGORITHMS[alg].hash ?? null;
    return nodeVerify(hash, data, asymmetricOptions(alg, keyObjectOf(key)), signature);
  },
  sign(alg, key, data) {
    const hash = ALGORITHMS[alg].hash ?? null;
    return new Uint8Array(nodeSign(hash, data, asymmetricOptions(alg, keyObjectOf(key))));
  },
};
