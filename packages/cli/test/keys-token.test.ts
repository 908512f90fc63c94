import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecretKey, generateSecret } from '@mcp-auth/core';
import { decodeJwt, importJwk, type Jwk, signJwt, verifyJwt } from '@mcp-auth/core/jwt';
import { base64UrlEncode } from '@mcp-auth/core/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const AUD = 'http://localhost:3000/mcp';
const ISS = 'http://localhost:3000';
const NOW = Date.parse('2030-01-01T00:00:00Z');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-auth-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('keys generate', () => {
  it('prints a JWT_SECRET env line with a 32-byte base64url secret core accepts (RFC 7518 §3.2)', async () => {
    const r = await runCli(['keys', 'generate']);
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('JWT_SECRET='));
    const secret = line?.slice('JWT_SECRET='.length) ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(createSecretKey(secret)).resolves.toMatchObject({ alg: 'HS256' });
    // Two runs never give the same secret.
    const again = await runCli(['keys', 'generate', '--json']);
    expect(JSON.parse(again.stdout).secret).not.toBe(secret);
  });

  it.each(['ES256', 'EdDSA', 'RS256'] as const)(
    'generates a %s JWK pair whose halves sign and verify',
    async (alg) => {
      const r = await runCli(['keys', 'generate', '--alg', alg, '--kid', 'k1', '--format', 'json']);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as {
        alg: string;
        kid: string;
        privateJwk: Jwk;
        publicJwk: Jwk;
        jwks: { keys: Jwk[] };
      };
      expect(out).toMatchObject({ alg, kid: 'k1' });
      expect(out.privateJwk.d).toBeTypeOf('string');
      expect(out.publicJwk.d).toBeUndefined();
      expect(out.jwks.keys).toEqual([out.publicJwk]);
      const priv = await importJwk(out.privateJwk);
      const pub = await importJwk(out.publicJwk);
      const token = await signJwt({ sub: 'x', exp: 2e9 }, priv);
      await expect(verifyJwt(token, pub)).resolves.toMatchObject({ header: { alg, kid: 'k1' } });
    },
  );

  it('env format for a key pair holds the private JWK and a public JWKS, single-quoted', async () => {
    const r = await runCli(['keys', 'generate', '--alg', 'ES256']);
    expect(r.code).toBe(0);
    const priv = /^MCP_AUTH_SIGNING_KEY='(.*)'$/m.exec(r.stdout)?.[1];
    const jwks = /^MCP_AUTH_JWKS='(.*)'$/m.exec(r.stdout)?.[1];
    expect(JSON.parse(priv ?? '')).toHaveProperty('d');
    expect(JSON.parse(jwks ?? '').keys[0]).not.toHaveProperty('d');
  });

  it('--out writes a 0600 file and refuses to overwrite it', async () => {
    const file = join(dir, 'key.json');
    const r = await runCli(['keys', 'generate', '--alg', 'EdDSA', '--json', '--out', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8')).alg).toBe('EdDSA');
    const again = await runCli(['keys', 'generate', '--json', '--out', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
  });

  it('refuses an unknown algorithm with a usage error', async () => {
    const r = await runCli(['keys', 'generate', '--alg', 'none']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--alg');
  });
});

describe('token mint', () => {
  const secret = generateSecret();
  const mintArgs = [
    'token',
    'mint',
    '--sub',
    'alice',
    '--scopes',
    'mcp:tools:read profile',
    '--aud',
    AUD,
    '--iss',
    ISS,
  ];

  it('signs an at+jwt with the token service claims that core verifies (RFC 9068 §2.2)', async () => {
    const r = await runCli([...mintArgs, '--claims', '{"role":"viewer"}', '--ttl', '600'], {
      env: { JWT_SECRET: secret },
      now: NOW,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const token = r.stdout.trim();
    const key = await createSecretKey(secret);
    const { header, payload } = await verifyJwt(token, key, {
      typ: 'at+jwt',
      audience: AUD,
      issuer: ISS,
      currentDate: new Date(NOW),
    });
    expect(header).toMatchObject({ alg: 'HS256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      sub: 'alice',
      aud: AUD,
      iss: ISS,
      iat: NOW / 1000,
      exp: NOW / 1000 + 600,
      client_id: 'mcp-auth-cli',
      scope: 'mcp:tools:read profile',
      mcp_tool_scopes: ['mcp:tools:read'],
      role: 'viewer',
    });
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{16,}$/);
  });

  it('signs with a key file from keys generate, and --json shows header and payload', async () => {
    const file = join(dir, 'es256.json');
    expect(
      (await runCli(['keys', 'generate', '--alg', 'ES256', '--json', '--out', file])).code,
    ).toBe(0);
    const r = await runCli([...mintArgs, '--key-file', file, '--json'], { now: NOW });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { token: string; header: { alg: string; kid: string } };
    const keys = JSON.parse(await readFile(file, 'utf8')) as { kid: string; publicJwk: Jwk };
    expect(out.header).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: keys.kid });
    await expect(
      verifyJwt(out.token, await importJwk(keys.publicJwk), {
        currentDate: new Date(NOW),
        typ: 'at+jwt',
      }),
    ).resolves.toBeDefined();
  });

  it('refuses to override registered claims through --claims', async () => {
    const r = await runCli([...mintArgs, '--claims', '{"aud":"https://evil.example"}'], {
      env: { JWT_SECRET: secret },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"aud"');
    expect(r.stdout).toBe('');
  });

  it('without any key says how to give one, and never echoes a secret (SECURITY: no secret in errors)', async () => {
    const r = await runCli(mintArgs);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('JWT_SECRET');
    const short = await runCli([...mintArgs, '--secret-env', 'MY_SECRET'], {
      env: { MY_SECRET: 'too-short-secret-value' },
    });
    expect(short.code).toBe(2);
    expect(short.stderr).not.toContain('too-short-secret-value');
  });

  it('requires --sub, --aud and --iss', async () => {
    for (const drop of ['--sub', '--aud', '--iss']) {
      const i = mintArgs.indexOf(drop);
      const args = [...mintArgs.slice(0, i), ...mintArgs.slice(i + 2)];
      const r = await runCli(args, { env: { JWT_SECRET: secret } });
      expect(r.code, drop).toBe(2);
      expect(r.stderr).toContain(drop);
    }
  });
});

describe('token decode', () => {
  const secret = generateSecret();
  const mint = async (extra: string[] = []) =>
    (
      await runCli(
        [
          'token',
          'mint',
          '--sub',
          'bob',
          '--scopes',
          'mcp:tools:write',
          '--aud',
          AUD,
          '--iss',
          ISS,
          ...extra,
        ],
        {
          env: { JWT_SECRET: secret },
          now: NOW,
        },
      )
    ).stdout.trim();

  const seg = (v: unknown) => base64UrlEncode(JSON.stringify(v));
  const codes = (stdout: string) =>
    (JSON.parse(stdout) as { problems: { code: string; severity: string }[] }).problems.map(
      (p) => p.code,
    );

  it('a fresh token from mint has no problems and verifies with the secret', async () => {
    const token = await mint();
    const r = await runCli(
      ['token', 'decode', token, '--secret-env', 'S', '--aud', AUD, '--iss', ISS, '--json'],
      {
        env: { S: secret },
        now: NOW + 1000,
      },
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      valid: true,
      problems: [],
      verification: { checked: true, verified: true },
    });
    expect(out.payload.sub).toBe('bob');
  });

  it('reads the token from stdin with "-" and prints a readable report', async () => {
    const token = await mint();
    const r = await runCli(['token', 'decode', '-'], { stdin: `Bearer ${token}\n`, now: NOW });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Header');
    expect(r.stdout).toContain('mcp:tools:write');
    expect(r.stdout).toContain('not checked');
    expect(r.stdout).not.toContain(token);
  });

  it('says a token is expired (RFC 7519 §4.1.4) and verification fails with ERR_JWT_EXPIRED', async () => {
    const token = await mint(['--ttl', '60']);
    const r = await runCli(['token', 'decode', token, '--secret-env', 'S', '--json'], {
      env: { S: secret },
      now: NOW + 3_600_000,
    });
    expect(r.code).toBe(1);
    expect(codes(r.stdout)).toContain('expired');
    expect(JSON.parse(r.stdout).verification).toMatchObject({
      checked: true,
      verified: false,
      code: 'ERR_JWT_EXPIRED',
    });
  });

  it('a wrong secret fails verification with ERR_JWT_SIGNATURE_INVALID, never printing either secret', async () => {
    const token = await mint();
    const other = generateSecret();
    const r = await runCli(['token', 'decode', token, '--secret-env', 'S'], {
      env: { S: other },
      now: NOW,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ERR_JWT_SIGNATURE_INVALID');
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(other);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(token);
    }
  });

  it('flags alg none, a wrong typ, and missing exp / aud / sub (RFC 8725 §3.1, RFC 9068 §2)', async () => {
    const token = `${seg({ alg: 'none', typ: 'JWT' })}.${seg({ iss: ISS, scope: 'x' })}.`;
    const r = await runCli(['token', 'decode', token, '--json'], { now: NOW });
    expect(r.code).toBe(1);
    expect(codes(r.stdout)).toEqual(
      expect.arrayContaining([
        'alg-none',
        'typ-not-at+jwt',
        'exp-missing',
        'aud-missing',
        'sub-missing',
        'jti-missing',
      ]),
    );
  });

  it('flags an audience mismatch when --aud is given (RFC 8707 §2) and a header key URL (RFC 8725 §3.10)', async () => {
    const key = await createSecretKey(secret);
    const token = await signJwt(
      {
        iss: ISS,
        sub: 'x',
        aud: 'https://other.example/mcp',
        exp: NOW / 1000 + 60,
        iat: NOW / 1000,
        jti: 'j',
        client_id: 'c',
        scope: '',
      },
      key,
      { typ: 'at+jwt', header: { jku: 'https://evil.example/jwks' } },
    );
    const r = await runCli(['token', 'decode', token, '--aud', AUD, '--json'], { now: NOW });
    expect(r.code).toBe(1);
    expect(codes(r.stdout)).toContain('aud-mismatch');
    expect(codes(r.stdout)).toContain('header-key-reference');
  });

  it('verifies against a JWKS URL (only that URL is fetched)', async () => {
    const file = join(dir, 'jwks-key.json');
    await runCli(['keys', 'generate', '--alg', 'EdDSA', '--kid', 'ed1', '--json', '--out', file]);
    const keys = JSON.parse(await readFile(file, 'utf8'));
    const minted = await runCli(
      ['token', 'mint', '--sub', 'carol', '--aud', AUD, '--iss', ISS, '--key-file', file],
      { now: NOW },
    );
    const fetched: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      fetched.push(String(input));
      return new Response(JSON.stringify(keys.jwks), {
        headers: { 'content-type': 'application/json' },
      });
    };
    const r = await runCli(
      [
        'token',
        'decode',
        minted.stdout.trim(),
        '--jwks-url',
        'https://auth.example.test/jwks.json',
        '--json',
      ],
      { fetch: fakeFetch, now: NOW },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).verification).toEqual({ checked: true, verified: true });
    expect(fetched).toEqual(['https://auth.example.test/jwks.json']);
  });

  it('a string that is not a JWT is a usage error with the JwtError code', async () => {
    const r = await runCli(['token', 'decode', 'not-a-token']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ERR_JWT_MALFORMED');
    expect(r.stderr).not.toContain('not-a-token');
  });

  it('a decoded token round-trips through decodeJwt identically', async () => {
    const token = await mint();
    const r = await runCli(['token', 'decode', token, '--json'], { now: NOW });
    expect(JSON.parse(r.stdout).payload).toEqual(decodeJwt(token).payload);
  });
});

describe('key sources', () => {
  it('reads a JWK from an environment variable for signing (--key-env)', async () => {
    const gen = JSON.parse((await runCli(['keys', 'generate', '--alg', 'ES256', '--json'])).stdout);
    const r = await runCli(
      ['token', 'mint', '--sub', 'a', '--aud', AUD, '--iss', ISS, '--key-env', 'K'],
      {
        env: { K: JSON.stringify(gen.privateJwk) },
      },
    );
    expect(r.code).toBe(0);
    expect(decodeJwt(r.stdout.trim()).header.kid).toBe(gen.kid);
  });

  it('refuses two key sources at once', async () => {
    const file = join(dir, 'dummy.json');
    await writeFile(file, '{}');
    const r = await runCli([
      'token',
      'mint',
      '--sub',
      'a',
      '--aud',
      AUD,
      '--iss',
      ISS,
      '--key-file',
      file,
      '--secret-env',
      'X',
    ]);
    expect(r.code).toBe(2);
  });
});
