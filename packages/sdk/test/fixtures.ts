import {
  createAccessTokenVerifier,
  createDefaultPolicies,
  createSecretKey,
  generateSecret,
  type PolicyEngine,
  protectedResourceMetadataUrl,
  type TokenVerifier,
} from '@mcp-auth/core';
import { signJwt } from '@mcp-auth/core/jwt';

/** The three demo users of every example (ARCHITECTURE / issue 5). */
const USERS = {
  alice: { role: 'viewer', scope: 'mcp:tools:read' },
  bob: { role: 'editor', scope: 'mcp:tools:read mcp:tools:write' },
  carol: { role: 'admin', scope: 'mcp:tools:read mcp:tools:write mcp:tools:admin' },
} as const;

export type TestUser = keyof typeof USERS;

export interface TestAuth {
  readonly issuer: string;
  readonly resource: URL;
  readonly resourceMetadataUrl: string;
  readonly verifier: TokenVerifier;
  readonly policy: PolicyEngine;
  tokenFor(user: TestUser, overrides?: Record<string, unknown>): Promise<string>;
}

/**
 * Real tokens: an HS256 key, `at+jwt` access tokens signed with core's `signJwt` for `resource`,
 * verified by core's `createAccessTokenVerifier`; the default policies plus a `whoami` rule and
 * an argument rule (a viewer reads only documents they own).
 */
export async function createTestAuth(resource: URL): Promise<TestAuth> {
  const issuer = 'https://as.example.test';
  const key = await createSecretKey(generateSecret());
  const verifier = createAccessTokenVerifier({ key, issuer, audience: resource.href });
  const policy = createDefaultPolicies();
  policy.addRule({ id: 'whoami', tools: 'whoami' });
  policy.addRule({
    id: 'own-documents-only',
    tools: 'read_document',
    effect: 'deny',
    args: { not: { arg: 'owner', eq: { claim: 'sub' } } },
  });
  return {
    issuer,
    resource,
    resourceMetadataUrl: protectedResourceMetadataUrl(resource.href),
    verifier,
    policy,
    async tokenFor(user, overrides = {}) {
      const now = Math.floor(Date.now() / 1000);
      return signJwt(
        {
          iss: issuer,
          sub: user,
          aud: resource.href,
          client_id: 'test-client',
          scope: USERS[user].scope,
          role: USERS[user].role,
          iat: now,
          exp: now + 300,
          jti: crypto.randomUUID(),
          ...overrides,
        },
        key,
        { typ: 'at+jwt' },
      );
    },
  };
}
