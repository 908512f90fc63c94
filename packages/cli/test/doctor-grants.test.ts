// Issue 14 item 7: what `mcp-auth doctor` says about the grants and client authentication an
// authorization server advertises (check-grants.ts), on metadata documents built here — each
// problem a named case — and against core's authorization server with machine clients.
import { createAuthorizationServer, DevIdentityProvider, generateSecret } from '@mcp-auth/core';
import { describe, expect, it } from 'vitest';
import { checkAdvertisedGrants } from '../src/doctor/check-grants.js';
import type { DoctorContext } from '../src/doctor/context.js';
import type { DoctorCheck } from '../src/doctor/types.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

function run(asm: Record<string, unknown>): Map<string, DoctorCheck> {
  const checks = new Map<string, DoctorCheck>();
  // Only `add` is used by these checks (no network).
  const ctx = { add: (c: DoctorCheck) => checks.set(c.id, c) } as unknown as DoctorContext;
  checkAdvertisedGrants(ctx, asm);
  return checks;
}

const base = {
  grant_types_supported: ['authorization_code', 'refresh_token'],
  token_endpoint_auth_methods_supported: ['none', 'client_secret_basic'],
};

describe('doctor: advertised grants (check-grants.ts)', () => {
  it('reports the grants; adds no machine-grant check when none is advertised', () => {
    const checks = run(base);
    expect(checks.get('as-grants')).toMatchObject({ status: 'pass' });
    expect(checks.get('as-grants')?.detail).toContain('authorization_code');
    expect([...checks.keys()]).toEqual(['as-grants']);
  });

  it('warns when grant_types_supported is missing (RFC 8414 default includes implicit)', () => {
    const { grant_types_supported: _omit, ...rest } = base;
    expect(run(rest).get('as-grants')?.status).toBe('warn');
  });

  it('client_credentials with a confidential method passes; with only "none" it fails', () => {
    const ok = run({ ...base, grant_types_supported: ['client_credentials'] });
    expect(ok.get('as-client-credentials')?.status).toBe('pass');
    expect(ok.get('as-grants')?.detail).toContain('machine clients');
    const bad = run({
      grant_types_supported: ['authorization_code', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['none'],
    });
    expect(bad.get('as-client-credentials')?.status).toBe('fail');
  });

  it('private_key_jwt needs its signing algorithms listed, never none, no HS* without client_secret_jwt', () => {
    const methods = ['client_secret_basic', 'private_key_jwt'];
    const withAlgs = (algs?: string[]) =>
      run({
        ...base,
        token_endpoint_auth_methods_supported: methods,
        ...(algs === undefined ? {} : { token_endpoint_auth_signing_alg_values_supported: algs }),
      }).get('as-jwt-signing-algs');
    expect(withAlgs(['ES256', 'RS256'])?.status).toBe('pass');
    expect(withAlgs(undefined)?.status).toBe('fail');
    expect(withAlgs(['ES256', 'none'])?.detail).toMatch(/"none"/);
    expect(withAlgs(['ES256', 'none'])?.status).toBe('fail');
    expect(withAlgs(['HS256'])?.status).toBe('fail');
    // HS* is legitimate for client_secret_jwt.
    const secretJwt = run({
      ...base,
      token_endpoint_auth_methods_supported: ['client_secret_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['HS256'],
    });
    expect(secretJwt.get('as-jwt-signing-algs')?.status).toBe('pass');
  });

  it('checks each endpoint advertising private_key_jwt (revocation, introspection)', () => {
    const checks = run({
      ...base,
      revocation_endpoint_auth_methods_supported: ['private_key_jwt'],
    });
    expect(checks.get('as-jwt-signing-algs')?.status).toBe('fail');
    expect(checks.get('as-jwt-signing-algs')?.detail).toContain(
      'revocation_endpoint_auth_signing_alg_values_supported',
    );
  });

  it('jwt-bearer and token-exchange are reported and need a confidential method', () => {
    const ok = run({
      ...base,
      grant_types_supported: ['authorization_code', JWT_BEARER, TOKEN_EXCHANGE],
    });
    expect(ok.get('as-jwt-bearer')?.status).toBe('pass');
    expect(ok.get('as-token-exchange')?.status).toBe('pass');
    expect(ok.get('as-grants')?.detail).toMatch(/ID-JAG.*token-exchange/);
    const bad = run({
      grant_types_supported: [JWT_BEARER, TOKEN_EXCHANGE],
      token_endpoint_auth_methods_supported: ['none'],
    });
    expect(bad.get('as-jwt-bearer')?.status).toBe('fail');
    expect(bad.get('as-token-exchange')?.status).toBe('fail');
  });

  it("core's authorization server with a machine client passes every grant check", () => {
    const as = createAuthorizationServer({
      issuer: 'https://as.example.test',
      resource: 'https://mcp.example.test/mcp',
      signingKey: generateSecret(),
      scopesSupported: ['mcp:tools:read'],
      identityProvider: new DevIdentityProvider({
        iterations: 10_000,
        users: [{ username: 'alice', password: 'demo', scopes: ['mcp:tools:read'] }],
      }),
      clients: [
        {
          clientId: 'doctor-agent',
          clientSecret: 'doctor-agent-secret-0123456789',
          grantTypes: ['client_credentials'],
        },
      ],
    });
    const checks = run(as.metadata() as Record<string, unknown>);
    expect(checks.get('as-grants')?.detail).toContain('client_credentials');
    for (const id of ['as-grants', 'as-client-credentials', 'as-jwt-signing-algs']) {
      expect(checks.get(id)?.status, id).toBe('pass');
    }
  });
});
