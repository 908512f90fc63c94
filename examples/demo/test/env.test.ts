import { describe, expect, it } from 'vitest';
import { roleFrom } from '../src/app.js';
import { DemoConfigError, readDemoSettings } from '../src/env.js';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    readDemoSettings(env);
  } catch (error) {
    if (error instanceof DemoConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('demo settings from the environment', () => {
  it('defaults to 127.0.0.1:3000, memory store, random signing key, local users', () => {
    expect(readDemoSettings({})).toEqual({
      host: '127.0.0.1',
      port: 3000,
      issuer: undefined,
      jwtSecret: undefined,
      redisUrl: undefined,
      upstream: undefined,
    });
  });

  it('reads PORT=0, HOST, MCP_AUTH_ISSUER, JWT_SECRET and MCP_AUTH_REDIS_URL', () => {
    const secret = 'x'.repeat(32);
    const settings = readDemoSettings({
      PORT: '0',
      HOST: '0.0.0.0',
      MCP_AUTH_ISSUER: 'https://mcp.example.com',
      JWT_SECRET: secret,
      MCP_AUTH_REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(settings).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      issuer: 'https://mcp.example.com',
      jwtSecret: secret,
      redisUrl: 'redis://127.0.0.1:6379',
    });
  });

  it('reports every problem at once, naming each variable and never echoing a secret', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      JWT_SECRET: 'short-secret-value',
      MCP_AUTH_REDIS_URL: 'http://redis',
      OAUTH_CLIENT_SECRET: 'upstream-secret-value',
    });
    expect(problems).toHaveLength(4);
    const text = problems.join('\n');
    expect(text).toMatch(/^PORT /m);
    expect(text).toMatch(/^JWT_SECRET must be at least 32 bytes/m);
    expect(text).toMatch(/^MCP_AUTH_REDIS_URL /m);
    expect(text).toMatch(/^OAUTH_CLIENT_ID is required/m);
    expect(text).not.toContain('short-secret-value');
    expect(text).not.toContain('upstream-secret-value');
  });

  it('proxy mode: discovery from OAUTH_ISSUER, or configured endpoints (https only)', () => {
    const discovered = readDemoSettings({
      OAUTH_ISSUER: 'https://accounts.google.com',
      OAUTH_CLIENT_ID: 'id',
      OAUTH_CLIENT_SECRET: 'secret',
      OAUTH_SCOPES: 'openid  email profile',
    });
    expect(discovered.upstream).toMatchObject({
      issuer: 'https://accounts.google.com',
      clientId: 'id',
      scopes: ['openid', 'email', 'profile'],
      roleClaim: 'role',
      defaultRole: 'viewer',
    });
    expect(
      problemsOf({
        OAUTH_CLIENT_ID: 'id',
        OAUTH_AUTH_ENDPOINT: 'https://github.com/login/oauth/authorize',
      }),
    ).toEqual([expect.stringMatching(/^OAUTH_TOKEN_ENDPOINT is required/)]);
    expect(problemsOf({ OAUTH_CLIENT_ID: 'id' })).toEqual([
      expect.stringMatching(/^OAUTH_ISSUER is required/),
    ]);
    expect(
      problemsOf({
        OAUTH_CLIENT_ID: 'id',
        OAUTH_ISSUER: 'http://idp.example.com',
        OAUTH_USERINFO_ENDPOINT: 'http://idp.example.com/userinfo',
        OAUTH_DEFAULT_ROLE: 'root',
      }),
    ).toEqual([
      expect.stringMatching(/^OAUTH_USERINFO_ENDPOINT must use https/),
      expect.stringMatching(/^OAUTH_ISSUER must use https/),
      'OAUTH_DEFAULT_ROLE must be one of viewer, editor, admin',
    ]);
  });

  it('maps an upstream role claim: a string, or the highest known role of an array', () => {
    expect(roleFrom('editor')).toBe('editor');
    expect(roleFrom(['offline_access', 'viewer', 'admin'])).toBe('admin');
    expect(roleFrom('root')).toBeUndefined();
    expect(roleFrom(undefined)).toBeUndefined();
    expect(roleFrom({ role: 'admin' })).toBeUndefined();
  });
});
