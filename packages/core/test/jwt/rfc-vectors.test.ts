import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignature, verifySignature } from '../../src/jwt/signature.js';
import { getKeyRecord } from '../../src/jwt/keys.js';
import { importJwk, verifyJwt } from '../../src/jwt/index.js';
import { BACKENDS, expectJwtError, useBackend } from './helpers.js';

// RFC 7515 Appendix A.1: HS256, header and payload with CRLF line breaks.
const A1 = {
  jwk: {
    kty: 'oct',
    k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
  },
  token:
    'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9' +
    '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ' +
    '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
};

// RFC 7520 §4.4 (HMAC-SHA2 integrity protection; key of §3.5). The payload is text, not JSON.
const R7520 = {
  jwk: {
    kty: 'oct',
    kid: '018c0ae5-4d9b-471b-bfd6-eef314bc7037',
    use: 'sig',
    alg: 'HS256',
    k: 'hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg',
  },
  signingInput:
    'eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9' +
    '.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4',
  signature: 's0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0',
};

// RFC 8037 Appendix A.4 (Ed25519 signing; A.1 key). Payload "Example of Ed25519 signing".
const R8037 = {
  jwk: {
    kty: 'OKP',
    crv: 'Ed25519',
    d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
    x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
  },
  signingInput: 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc',
  signature:
    'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg',
};

describe.each(BACKENDS)('RFC vectors (%s crypto)', (_name, backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => useBackend(undefined));

  it('RFC 7515 A.1: the HS256 example verifies at a time before its exp', async () => {
    const key = await importJwk(A1.jwk, { alg: 'HS256' });
    const { header, payload } = await verifyJwt(A1.token, key, {
      currentDate: new Date(1300819300 * 1000),
    });
    expect(header).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect(payload).toEqual({ iss: 'joe', exp: 1300819380, 'http://example.com/is_root': true });
  });

  it('RFC 7515 A.1: the same token is expired today, and a changed signature fails first', async () => {
    const key = await importJwk(A1.jwk, { alg: 'HS256' });
    await expectJwtError(verifyJwt(A1.token, key), 'ERR_JWT_EXPIRED');
    // SECURITY-CASES 36: expired and badly signed → the signature error.
    const tampered = `${A1.token.slice(0, -1)}A`;
    await expectJwtError(verifyJwt(tampered, key), 'ERR_JWT_SIGNATURE_INVALID');
  });

  it('RFC 7520 §4.4: the HS256 signature is reproduced and verified', async () => {
    const key = await importJwk(R7520.jwk);
    expect(key.kid).toBe(R7520.jwk.kid);
    const record = getKeyRecord(key, 'test');
    expect(await createSignature('HS256', record.signKey!, R7520.signingInput)).toBe(
      R7520.signature,
    );
    expect(
      await verifySignature('HS256', record.verifyKey, R7520.signingInput, R7520.signature),
    ).toBe(true);
    expect(
      await verifySignature('HS256', record.verifyKey, `${R7520.signingInput}x`, R7520.signature),
    ).toBe(false);
    // As a JWT it is refused: the payload is not a JSON object (SECURITY-CASES 32).
    await expectJwtError(
      verifyJwt(`${R7520.signingInput}.${R7520.signature}`, key, { requireExp: false }),
      'ERR_JWT_MALFORMED',
    );
  });

  it('RFC 8037 A.4: the Ed25519 signature is reproduced and verified', async () => {
    const privateKey = await importJwk(R8037.jwk, { alg: 'EdDSA' });
    const publicKey = await importJwk({ kty: 'OKP', crv: 'Ed25519', x: R8037.jwk.x });
    expect(publicKey.alg).toBe('EdDSA');
    const signKey = getKeyRecord(privateKey, 'test').signKey!;
    expect(await createSignature('EdDSA', signKey, R8037.signingInput)).toBe(R8037.signature);
    const verifyKey = getKeyRecord(publicKey, 'test').verifyKey;
    expect(await verifySignature('EdDSA', verifyKey, R8037.signingInput, R8037.signature)).toBe(
      true,
    );
    const flipped = `${R8037.signature.slice(0, 10)}${R8037.signature[10] === 'A' ? 'B' : 'A'}${R8037.signature.slice(11)}`;
    expect(await verifySignature('EdDSA', verifyKey, R8037.signingInput, flipped)).toBe(false);
  });
});
