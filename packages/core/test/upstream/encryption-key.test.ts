/** Issue 19 item 10: `upstreamEncryptionKey` must hold ≥ 32 bytes of decoded key material. */
import { describe, expect, it } from 'vitest';
import { base64UrlEncode } from '../../src/encoding/base64url.js';
import { randomBytes } from '../../src/encoding/random.js';
import { makeServer, fakeUpstream } from '../server/helpers.js';
import { checkUpstreamEncryptionKey, createSealBox } from '../../src/tokens/upstream-crypto.js';

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

describe('upstreamEncryptionKey strength (issue 19 item 10)', () => {
  it.each([
    ['32 identical characters', 'a'.repeat(32)],
    ['43 identical characters (32 bytes, but a placeholder)', 'a'.repeat(43)],
    ['16 emoji (32 UTF-16 units)', '\u{1F511}'.repeat(16)],
    ['32 characters of text with spaces', 'my upstream encryption key 12345'],
    ['24 random bytes, base64url', base64UrlEncode(randomBytes(24))],
    ['31 random bytes, hex', hex(randomBytes(31))],
  ])('%s → TypeError naming the rule', (_name, key) => {
    expect(() => checkUpstreamEncryptionKey(key, 'test')).toThrow(
      /at least 32 random bytes.*base64url.*hex/,
    );
    expect(() => createSealBox(key, 'test')).toThrow(TypeError);
  });

  it('createAuthorizationServer refuses a weak key at construction', () => {
    expect(() =>
      makeServer({ identityProvider: fakeUpstream(), upstreamEncryptionKey: 'x'.repeat(40) }),
    ).toThrow(
      /createAuthorizationServer: upstreamEncryptionKey must hold at least 32 random bytes/,
    );
  });

  it('32 random bytes as base64url (mcp-auth keys generate), base64 or hex are accepted', async () => {
    const bytes = randomBytes(32);
    const b64 = btoa(String.fromCharCode(...bytes));
    for (const key of [base64UrlEncode(bytes), b64, hex(bytes)]) {
      expect(() => checkUpstreamEncryptionKey(key, 'test')).not.toThrow();
      const box = createSealBox(key, 'test');
      expect(await box.open(await box.seal('secret', 'grant-1'), 'grant-1')).toBe('secret');
    }
  });
});
