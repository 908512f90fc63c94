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
import type { HmacAlgorithm, JwsBackend } from '../runtime/backend.js';
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

/** Buffer's per-encoding methods behind `write`/`toString` (present since Node 15.7). */
interface RawBuffer {
  base64urlWrite(input: string, offset: number, length: number): number;
  base64urlSlice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

// One scratch buffer for every decode (synchronous, never re-entered): no Buffer is allocated
// per segment, and the raw methods skip `Buffer.from`/`toString`'s argument handling.
const SCRATCH_BYTES = 8192;
const scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
const raw = scratch as unknown as Partial<RawBuffer>;
const hasRawMethods =
  typeof raw.base64urlWrite === 'function' &&
  typeof raw.base64urlSlice === 'function' &&
  typeof raw.utf8Slice === 'function';

/**
 * Strict base64url + fatal UTF-8, natively; same results as the portable decoders. Node's
 * decoder skips invalid characters, so the input must equal the canonical re-encoding of
 * what it decoded to (this refuses padding, `+`, `/`, whitespace and non-zero tail bits).
 */
function decodeSegment(segment: string): string | undefined {
  // A segment of 4n characters decodes to at most 3n bytes.
  if (!hasRawMethods || segment.length > (SCRATCH_BYTES / 3) * 4) {
    return decodeSegmentAllocating(segment);
  }
  const buffer = scratch as unknown as RawBuffer;
  const length = buffer.base64urlWrite(segment, 0, SCRATCH_BYTES);
  if (buffer.base64urlSlice(0, length) !== segment) return undefined;
  // The decoder replaces every ill-formed sequence with U+FFFD, so a text without one came
  // from valid UTF-8; one with U+FFFD (rare: only if the input encoded it) is checked.
  const text = buffer.utf8Slice(0, length);
  if (!text.includes('\uFFFD')) return text;
  return isUtf8(scratch.subarray(0, length)) ? text : undefined;
}

function decodeSegmentAllocating(segment: string): string | undefined {
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
