import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64UrlDecode } from '../encoding/base64url.js';
import { utf8DecodeStrict } from '../encoding/utf8.js';
import { nodeJwsBackend } from './jws-backend.js';

const portable = (segment: string): string | undefined => {
  const bytes = base64UrlDecode(segment);
  return bytes === undefined ? undefined : utf8DecodeStrict(bytes);
};

describe('node backend decodeSegment = base64UrlDecode + utf8DecodeStrict', () => {
  it('agrees on arbitrary strings, valid encodings and non-canonical tails', () => {
    const encoded = fc
      .uint8Array({ maxLength: 64 })
      .map((b) => Buffer.from(b).toString('base64url'));
    const tweaked = fc
      .tuple(encoded, fc.constantFrom('A', 'B', 'Q', 'g', '-', '_', '=', '+', '/', ' ', 'é'))
      .map(([s, c]) => s + c);
    const utf8 = fc.string({ unit: 'grapheme' }).map((s) => Buffer.from(s).toString('base64url'));
    fc.assert(
      fc.property(fc.oneof(fc.string(), encoded, tweaked, utf8), (segment) => {
        expect(nodeJwsBackend.decodeSegment!(segment)).toBe(portable(segment));
      }),
      { numRuns: 3000 },
    );
    for (const s of ['', 'QQ', 'QR', 'QUI', 'QUJ', '_w', '_x', '__8', '__9', 'A', '/w', 'QQ==']) {
      expect(nodeJwsBackend.decodeSegment!(s), s).toBe(portable(s));
    }
  });

  it('keeps an encoded U+FFFD and a BOM, refuses ill-formed UTF-8 (SECURITY-CASES 32)', () => {
    const cases: [number[], boolean][] = [
      [[0x61, 0xef, 0xbf, 0xbd, 0x62], true], // "a\uFFFDb": valid, holds U+FFFD itself
      [[0xef, 0xbb, 0xbf, 0x7b, 0x7d], true], // BOM then "{}"
      [[0xc3, 0xa9], true], // "é"
      [[0x61, 0xff], false],
      [[0xef, 0xbf, 0xbd, 0x80], false], // U+FFFD then a stray continuation byte
      [[0xed, 0xa0, 0x80], false], // an encoded surrogate
      [[0xc0, 0x80], false], // overlong NUL
      [[0xf4, 0x90, 0x80, 0x80], false], // above U+10FFFF
      [[0xe2, 0x82], false], // truncated
    ];
    for (const [bytes, valid] of cases) {
      const segment = Buffer.from(bytes).toString('base64url');
      const decoded = nodeJwsBackend.decodeSegment!(segment);
      expect(decoded, segment).toBe(portable(segment));
      expect(decoded !== undefined, segment).toBe(valid);
    }
  });

  it('agrees on segments too long for the scratch buffer', () => {
    for (const size of [8191, 8192, 8193, 20_000]) {
      const text = `{"a":"${'é'.repeat(size)}"}`;
      const segment = Buffer.from(text).toString('base64url');
      expect(nodeJwsBackend.decodeSegment!(segment)).toBe(text);
      expect(nodeJwsBackend.decodeSegment!(`${segment}=`)).toBeUndefined();
      const bad = Buffer.concat([Buffer.from(text), Buffer.from([0xff])]).toString('base64url');
      expect(nodeJwsBackend.decodeSegment!(bad)).toBeUndefined();
    }
  });
});

describe('the Node digest fast path', () => {
  it('computes the same SHA-256 as WebCrypto (RFC 7636 Appendix B through both paths)', async () => {
    const { sha256Base64Url } = await import('../runtime/sha256.js');
    const { setJwsBackend, getJwsBackend } = await import('../runtime/backend.js');
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const previous = getJwsBackend();
    try {
      setJwsBackend(undefined);
      const web = await sha256Base64Url(verifier);
      setJwsBackend(nodeJwsBackend);
      const node = await sha256Base64Url(verifier);
      expect(web).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
      expect(node).toBe(web);
      for (const input of ['', 'é ü 🎉', 'x'.repeat(10_000)]) {
        setJwsBackend(undefined);
        const w = await sha256Base64Url(input);
        setJwsBackend(nodeJwsBackend);
        expect(await sha256Base64Url(input)).toBe(w);
      }
    } finally {
      setJwsBackend(previous);
    }
  });
});
