import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFromEnv, loadSigningKey } from './config.js';
import { exportJwk, generateKeyPair, generateSecret, signJwt, verifyJwt } from './jwt/index.js';

function problemsOf(env: Record<string, string>): Record<string, string> {
  try {
    loadConfigFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(TypeError);
    return Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.message]));
  }
  throw new Error('expected a ConfigError');
}

const exp = Math.floor(Date.now() / 1000) + 60;

describe('loadConfigFromEnv (issue 2, item 6)', () => {
  it('reads a complete upstream + HS256 configuration', () => {
    const secret = generateSecret();
    const config = loadConfigFromEnv({
      OAUTH_CLIENT_ID: 'client',
      OAUTH_CLIENT_SECRET: 'shh',
      OAUTH_AUTH_ENDPOINT: 'https://idp.example.com/authorize',
      OAUTH_TOKEN_ENDPOINT: 'https://idp.example.com/token',
      OAUTH_SCOPES: 'openid, email profile',
      JWT_SECRET: secret,
      MCP_AUTH_ISSUER: 'http://localhost:3000',
      MCP_AUTH_RESOURCE_URL: 'http://127.0.0.1:3000/mcp',
      UNRELATED: 'x',
    });
    expect(config).toEqual({
      clientId: 'client',
      clientSecret: 'shh',
      authorizationEndpoint: 'https://idp.example.com/authorize',
      tokenEndpoint: 'https://idp.example.com/token',
      scopes: ['openid', 'email', 'profile'],
      jwtSecret: secret,
      issuer: 'http://localhost:3000',
      resourceUrl: 'http://127.0.0.1:3000/mcp',
      signingAlg: 'HS256',
    });
  });

  it('reports every problem at once, naming each variable, never the values', () => {
    const env = {
      OAUTH_CLIENT_SECRET: 'top-secret-value',
      OAUTH_AUTH_ENDPOINT: 'http://idp.example.com/authorize',
      JWT_SECRET: 'short-secret-value',
      MCP_AUTH_ISSUER: 'https://as.example.com/?tenant=1',
      MCP_AUTH_RESOURCE_URL: 'not a url',
      MCP_AUTH_SIGNING_ALG: 'none',
      OAUTH_SCOPES: 'ok bad"scope',
    };
    const problems = problemsOf(env);
    expect(Object.keys(problems).sort()).toEqual(
      [
        'JWT_SECRET',
        'MCP_AUTH_ISSUER',
        'MCP_AUTH_RESOURCE_URL',
        'MCP_AUTH_SIGNING_ALG',
        'OAUTH_AUTH_ENDPOINT',
        'OAUTH_CLIENT_ID',
        'OAUTH_SCOPES',
        'OAUTH_TOKEN_ENDPOINT',
      ].sort(),
    );
    let message = '';
    try {
      loadConfigFromEnv(env);
    } catch (error) {
      message = (error as Error).message;
    }
    for (const value of ['top-secret-value', 'short-secret-value'])
      expect(message).not.toContain(value);
  });

  it('SECURITY-CASES 35: JWT_SECRET under 32 bytes (48 for HS384) is an error', () => {
    expect(problemsOf({ JWT_SECRET: 'x'.repeat(31) })).toHaveProperty('JWT_SECRET');
    expect(loadConfigFromEnv({ JWT_SECRET: 'x'.repeat(32) }).signingAlg).toBe('HS256');
    expect(
      problemsOf({ JWT_SECRET: 'x'.repeat(40), MCP_AUTH_SIGNING_ALG: 'HS384' }),
    ).toHaveProperty('JWT_SECRET');
    expect(problemsOf({ MCP_AUTH_SIGNING_ALG: 'HS256' })).toHaveProperty('JWT_SECRET');
  });

  it('validates the signing key against the algorithm', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true, kid: 'k1' });
    const jwk = JSON.stringify(await exportJwk(pair.privateKey));
    const config = loadConfigFromEnv({ MCP_AUTH_SIGNING_KEY: jwk });
    expect(config.signingAlg).toBe('ES256');
    const key = await loadSigningKey(config);
    expect(key).toMatchObject({ alg: 'ES256', kid: 'k1', type: 'private' });
    await expect(verifyJwt(await signJwt({ exp }, key!), pair.publicKey)).resolves.toBeDefined();

    expect(problemsOf({ MCP_AUTH_SIGNING_KEY: jwk, MCP_AUTH_SIGNING_ALG: 'RS256' })).toHaveProperty(
      'MCP_AUTH_SIGNING_ALG',
    );
    const publicOnly = JSON.stringify(await exportJwk(pair.publicKey));
    expect(problemsOf({ MCP_AUTH_SIGNING_KEY: publicOnly })).toHaveProperty('MCP_AUTH_SIGNING_KEY');
    expect(problemsOf({ MCP_AUTH_SIGNING_KEY: '{not json' })).toHaveProperty(
      'MCP_AUTH_SIGNING_KEY',
    );
    expect(problemsOf({ MCP_AUTH_SIGNING_ALG: 'ES256' })).toHaveProperty('MCP_AUTH_SIGNING_KEY');

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = (rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).replace(
      /\n/g,
      '\\n',
    );
    expect(problemsOf({ MCP_AUTH_SIGNING_KEY: pem })).toHaveProperty('MCP_AUTH_SIGNING_ALG');
    const pemConfig = loadConfigFromEnv({
      MCP_AUTH_SIGNING_KEY: pem,
      MCP_AUTH_SIGNING_ALG: 'PS256',
    });
    expect(await loadSigningKey(pemConfig, { kid: 'r' })).toMatchObject({ alg: 'PS256', kid: 'r' });
    const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    expect(
      problemsOf({ MCP_AUTH_SIGNING_KEY: pkcs1, MCP_AUTH_SIGNING_ALG: 'RS256' }),
    ).toHaveProperty('MCP_AUTH_SIGNING_KEY');
  });

  it('upstream: discovery via OAUTH_ISSUER, or both endpoints', () => {
    expect(
      loadConfigFromEnv({ OAUTH_CLIENT_ID: 'c', OAUTH_ISSUER: 'https://idp.example.com' })
        .upstreamIssuer,
    ).toBe('https://idp.example.com');
    expect(problemsOf({ OAUTH_CLIENT_ID: 'c' })).toHaveProperty('OAUTH_ISSUER');
    expect(problemsOf({ OAUTH_ISSUER: 'https://idp.example.com' })).toHaveProperty(
      'OAUTH_CLIENT_ID',
    );
    expect(
      problemsOf({ OAUTH_CLIENT_ID: 'c', OAUTH_ISSUER: 'javascript:alert(1)' }),
    ).toHaveProperty('OAUTH_ISSUER');
    expect(
      problemsOf({ OAUTH_CLIENT_ID: 'c', OAUTH_ISSUER: 'https://u:p@idp.example.com' }),
    ).toHaveProperty('OAUTH_ISSUER');
  });

  it('empty values are unset; defaults to process.env', async () => {
    expect(loadConfigFromEnv({ JWT_SECRET: '', OAUTH_CLIENT_ID: '  ' })).toEqual({});
    const before = process.env.MCP_AUTH_ISSUER;
    process.env.MCP_AUTH_ISSUER = 'https://as.example.com';
    try {
      expect(loadConfigFromEnv().issuer).toBe('https://as.example.com');
    } finally {
      if (before === undefined) delete process.env.MCP_AUTH_ISSUER;
      else process.env.MCP_AUTH_ISSUER = before;
    }
    expect(await loadSigningKey({})).toBeUndefined();
    expect(await loadSigningKey(loadConfigFromEnv({ JWT_SECRET: generateSecret() }))).toMatchObject(
      { alg: 'HS256' },
    );
  });
});

describe('loadConfigFromEnv: configured upstream endpoints', () => {
  it('reads OAUTH_USERINFO_ENDPOINT and OAUTH_JWKS_URI (e.g. GitHub, which has no discovery)', () => {
    const config = loadConfigFromEnv({
      OAUTH_CLIENT_ID: 'gh-client',
      OAUTH_AUTH_ENDPOINT: 'https://github.com/login/oauth/authorize',
      OAUTH_TOKEN_ENDPOINT: 'https://github.com/login/oauth/access_token',
      OAUTH_USERINFO_ENDPOINT: 'https://api.github.com/user',
    });
    expect(config.userinfoEndpoint).toBe('https://api.github.com/user');
    expect(config.jwksUri).toBeUndefined();
  });

  it('names a malformed OAUTH_JWKS_URI among the problems', () => {
    try {
      loadConfigFromEnv({ OAUTH_JWKS_URI: 'not a url' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.variable)).toContain('OAUTH_JWKS_URI');
    }
  });
});

describe('loadConfigFromEnv: MCP_AUTH_DPOP_REQUIRED', () => {
  it('1/true/yes → true, 0/false/no → false (any case), unset or blank → absent', () => {
    for (const on of ['1', 'true', 'TRUE', 'yes'])
      expect(loadConfigFromEnv({ MCP_AUTH_DPOP_REQUIRED: on })).toEqual({ dpopRequired: true });
    for (const off of ['0', 'false', 'No'])
      expect(loadConfigFromEnv({ MCP_AUTH_DPOP_REQUIRED: off })).toEqual({ dpopRequired: false });
    expect(loadConfigFromEnv({ MCP_AUTH_DPOP_REQUIRED: ' ' })).toEqual({});
  });

  it('anything else is a problem naming the variable, never the value', () => {
    const problems = problemsOf({ MCP_AUTH_DPOP_REQUIRED: 'sometimes' });
    expect(problems).toHaveProperty('MCP_AUTH_DPOP_REQUIRED');
    expect(JSON.stringify(problems)).not.toContain('sometimes');
  });
});

describe('loadConfigFromEnv: a trusted enterprise IdP (issue 14)', () => {
  const publicJwk = {
    kty: 'EC',
    crv: 'P-256',
    x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
    y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
    kid: 'idp-1',
  };

  it('reads MCP_AUTH_TRUSTED_IDP_ISSUER and MCP_AUTH_TRUSTED_IDP_JWKS', () => {
    const config = loadConfigFromEnv({
      MCP_AUTH_TRUSTED_IDP_ISSUER: 'https://idp.example.com',
      MCP_AUTH_TRUSTED_IDP_JWKS: JSON.stringify({ keys: [publicJwk] }),
    });
    expect(config).toEqual({
      trustedIdpIssuer: 'https://idp.example.com',
      trustedIdpJwks: { keys: [publicJwk] },
    });
  });

  it('names each problem, never the value: one without the other, not JSON, a secret or private key, an http issuer', () => {
    expect(problemsOf({ MCP_AUTH_TRUSTED_IDP_ISSUER: 'https://idp.example.com' })).toHaveProperty(
      'MCP_AUTH_TRUSTED_IDP_JWKS',
    );
    expect(problemsOf({ MCP_AUTH_TRUSTED_IDP_JWKS: '{"keys":[]}' })).toHaveProperty(
      'MCP_AUTH_TRUSTED_IDP_ISSUER',
    );
    const issuer = { MCP_AUTH_TRUSTED_IDP_ISSUER: 'https://idp.example.com' };
    for (const jwks of [
      'not json',
      '{"keys":[]}',
      JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ' }] }),
      JSON.stringify({ keys: [{ ...publicJwk, d: 'private-part' }] }),
    ]) {
      const problems = problemsOf({ ...issuer, MCP_AUTH_TRUSTED_IDP_JWKS: jwks });
      expect(problems).toHaveProperty('MCP_AUTH_TRUSTED_IDP_JWKS');
      expect(JSON.stringify(problems)).not.toContain('private-part');
    }
    expect(
      problemsOf({
        MCP_AUTH_TRUSTED_IDP_ISSUER: 'http://idp.example.com',
        MCP_AUTH_TRUSTED_IDP_JWKS: JSON.stringify({ keys: [publicJwk] }),
      }),
    ).toHaveProperty('MCP_AUTH_TRUSTED_IDP_ISSUER');
  });
});
