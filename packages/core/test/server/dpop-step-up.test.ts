// RFC 9449 §7.1: a 403 insufficient_scope step-up answers a DPoP caller (its token is bound,
// so it authenticated with the DPoP scheme) with a `DPoP` challenge keeping error, scope,
// resource_metadata and algs; a Bearer caller keeps the Bearer challenge, DPoP on or off.
import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/domain/auth-context.js';
import { createDefaultPolicies } from '../../src/policy/index.js';
import { McpResourceAuth } from '../../src/resource/resource-auth.js';
import { MemoryStore } from '../../src/store/memory-store.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const METADATA = 'https://mcp.example.test/.well-known/oauth-protected-resource/mcp';

function caller(claims: Record<string, unknown> = {}): AuthContext {
  return {
    userId: 'alice',
    clientId: 'cli',
    scopes: ['read'],
    claims: { sub: 'alice', scope: 'read', ...claims },
    expiresAt: undefined,
    jti: undefined,
    resource: RESOURCE,
    grantId: undefined,
  };
}

function resourceAuth(dpop: boolean) {
  return new McpResourceAuth({
    verifier: { verify: async () => caller() },
    policy: createDefaultPolicies(),
    resourceMetadataUrl: METADATA,
    ...(dpop ? { dpop: { store: new MemoryStore(), resourceUrl: RESOURCE } } : {}),
  });
}

const bound = caller({ cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } });

describe('403 insufficient_scope step-up challenge by the scheme the caller used', () => {
  it('a DPoP caller → DPoP error="insufficient_scope" with scope, resource_metadata and algs', () => {
    const challenge = resourceAuth(true).insufficientScopeChallenge(
      ['read', 'write'],
      'send_email needs write',
      bound,
    );
    expect(challenge).toMatch(/^DPoP error="insufficient_scope", /);
    expect(challenge).toContain('error_description="send_email needs write"');
    expect(challenge).toContain(`resource_metadata="${METADATA}"`);
    expect(challenge).toContain('scope="read write"');
    expect(challenge).toMatch(/algs="ES256[^"]*"$/);
    expect(challenge).not.toMatch(/Bearer/);
  });

  it('a Bearer caller on a DPoP-enabled resource, or no caller given → the Bearer challenge as before', () => {
    const auth = resourceAuth(true);
    for (const challenge of [
      auth.insufficientScopeChallenge(['read', 'write'], 'needs write', caller()),
      auth.insufficientScopeChallenge(['read', 'write'], 'needs write'),
    ]) {
      expect(challenge).toMatch(/^Bearer resource_metadata=".*error="insufficient_scope"/);
      expect(challenge).toContain('scope="read write"');
      expect(challenge).not.toContain('DPoP');
    }
  });

  it('without DPoP on the resource, even a cnf claim gets the Bearer challenge', () => {
    const challenge = resourceAuth(false).insufficientScopeChallenge(
      ['write'],
      'needs write',
      bound,
    );
    expect(challenge).toMatch(/^Bearer resource_metadata=".*error="insufficient_scope"/);
  });

  it('denialError (the in-MCP-server check) challenges a DPoP caller with DPoP', () => {
    const auth = resourceAuth(true);
    const error = auth.denialError(
      {
        allowed: false,
        reason: 'needs write',
        missingScopes: ['write'],
      } as unknown as Parameters<typeof auth.denialError>[0],
      bound,
    );
    expect(error.code).toBe('insufficient_scope');
    expect(
      (error as unknown as { headers: Record<string, string> }).headers['WWW-Authenticate'],
    ).toMatch(/^DPoP error="insufficient_scope", .*scope="read write".*algs="/);
  });
});
