import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { createDecoratedTools } from '../../test/policy/decorated-tools.fixture.js';
import {
  AccessDeniedError,
  InsufficientScopeError,
  InvalidTokenError,
  type OAuthError,
  TemporarilyUnavailableError,
} from '../errors/oauth-error.js';
import { errorResponse } from '../http/responses.js';
import { defaultPolicyRules, PolicyEngine } from '../policy/index.js';
import type { AuthContext, TokenVerifier } from '../domain/auth-context.js';
import * as resource from './index.js';
import { authRequired, McpResourceAuth, MissingBearerTokenError } from './index.js';

const PRM = 'https://mcp.example.com/.well-known/oauth-protected-resource';
const now = Math.floor(Date.now() / 1000);

function context(overrides: Partial<AuthContext> = {}): AuthContext {
  return {
    userId: 'alice',
    clientId: 'client-1',
    scopes: ['mcp:tools:read'],
    claims: { sub: 'alice', department: 'eng' },
    expiresAt: now + 300,
    jti: 'j1',
    resource: undefined,
    grantId: undefined,
    ...overrides,
  };
}

/** A verifier over a fixed table; unknown tokens are invalid. */
function tableVerifier(table: Record<string, AuthContext | Error>): TokenVerifier {
  return {
    async verify(token) {
      const entry = table[token];
      if (entry === undefined)
        throw new InvalidTokenError('The access token is invalid', {
          jwtCode: 'ERR_JWT_MALFORMED',
        });
      if (entry instanceof Error) throw entry;
      return entry;
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise;
  } catch (error) {
    return error as OAuthError;
  }
  throw new Error('expected a rejection');
}

function setup() {
  // The default families without the `.*` catch-all (which would make every denial fixable by
  // requesting `mcp:tools:*`).
  const policy = new PolicyEngine();
  policy.addRules(defaultPolicyRules.filter((r) => r.id !== 'default-all'));
  policy.addRule({
    id: 'eng-only',
    tools: 'deploy',
    scopes: ['mcp:tools:write'],
    when: { claim: 'department', eq: 'eng' },
  });
  policy.addRule({
    id: 'own-docs',
    tools: 'edit_doc',
    args: { arg: 'owner', eq: { claim: 'sub' } },
  });
  const verifier = tableVerifier({
    reader: context(),
    writer: context({ scopes: ['mcp:tools:read', 'mcp:tools:write'] }),
    expired: context({ expiresAt: now - 1 }),
    down: new TemporarilyUnavailableError(),
  });
  const auth = new McpResourceAuth({ verifier, policy, resourceMetadataUrl: PRM });
  return { auth, policy };
}

describe('McpResourceAuth', () => {
  it('refuses bad configuration at construction', () => {
    const policy = new PolicyEngine();
    const verifier = tableVerifier({});
    expect(() => new McpResourceAuth({ verifier: {} as TokenVerifier, policy })).toThrow(TypeError);
    expect(() => new McpResourceAuth({ verifier, policy: {} as PolicyEngine })).toThrow(TypeError);
    expect(
      () => new McpResourceAuth({ verifier, policy, resourceMetadataUrl: 'not a url' }),
    ).toThrow(TypeError);
  });

  it('authenticateRequest returns the context', async () => {
    const { auth } = setup();
    expect((await auth.authenticateRequest('Bearer reader')).userId).toBe('alice');
  });

  it('401s carry the challenge; missing credentials carry no error code (RFC 6750 §3.1)', async () => {
    const { auth } = setup();
    const missing = await rejection(auth.authenticateRequest(undefined));
    expect(missing).toBeInstanceOf(MissingBearerTokenError);
    expect([missing.code, missing.status]).toEqual(['invalid_token', 401]);
    expect(missing.headers['WWW-Authenticate']).toBe(`Bearer resource_metadata="${PRM}"`);

    const invalid = await rejection(auth.authenticateRequest('Bearer nope'));
    expect(invalid).toBeInstanceOf(InvalidTokenError);
    expect((invalid as InvalidTokenError).jwtCode).toBe('ERR_JWT_MALFORMED');
    expect(invalid.headers['WWW-Authenticate']).toMatch(
      /^Bearer resource_metadata="[^"]+", error="invalid_token", error_description="/,
    );
    const response = errorResponse(invalid);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe(invalid.headers['WWW-Authenticate']);

    const expired = await rejection(auth.authenticateRequest('Bearer expired'));
    expect(expired.status).toBe(401);
  });

  it('a challengeScope function is called only when a 401 challenge is built (RFC 6750 §3)', async () => {
    const { auth } = setup();
    let calls = 0;
    const scope = () => {
      calls++;
      return ['mcp:tools:admin'];
    };
    expect((await auth.authenticateRequest('Bearer reader', scope)).userId).toBe('alice');
    expect(calls).toBe(0);
    for (const header of [undefined, 'Bearer nope', 'Bearer expired']) {
      const err = await rejection(auth.authenticateRequest(header, scope));
      expect([err.code, err.status]).toEqual(['invalid_token', 401]);
      expect(err.headers['WWW-Authenticate']).toContain('scope="mcp:tools:admin"');
    }
    expect(calls).toBe(3);
  });

  it('a store failure in the verifier stays a 503 (fail closed)', async () => {
    const { auth } = setup();
    const err = await rejection(auth.authenticateRequest('Bearer down'));
    expect([err.code, err.status]).toEqual(['temporarily_unavailable', 503]);
  });

  it('authorizeToolCall answers with reason, rule and missing scopes', () => {
    const { auth } = setup();
    const reader = context();
    expect(auth.authorizeToolCall('read_file', reader)).toMatchObject({
      allowed: true,
      ruleId: 'default-read',
      missingScopes: [],
    });
    expect(auth.authorizeToolCall('deploy', reader)).toMatchObject({
      allowed: false,
      code: 'insufficient_scope',
      missingScopes: ['mcp:tools:write'],
    });
    expect(auth.authorizeToolCall('edit_doc', reader, { owner: 'bob' })).toMatchObject({
      allowed: false,
      code: 'condition_not_met',
    });
    expect(auth.authorizeToolCall('edit_doc', reader, { owner: 'alice' }).allowed).toBe(true);
  });
});

describe('authRequired', () => {
  it('wrapper form: the handler gets the context first and runs only when allowed', async () => {
    const { auth } = setup();
    const calls: unknown[] = [];
    const editDoc = authRequired(
      auth,
      'edit_doc',
    )(async (ctx: AuthContext, args: { owner: string }) => {
      calls.push([ctx.userId, args]);
      return `edited by ${ctx.userId}`;
    });
    expect(await editDoc(context(), { owner: 'alice' })).toBe('edited by alice');
    expect(await editDoc('Bearer reader', { owner: 'alice' })).toBe('edited by alice');
    const denied = await rejection(editDoc(context(), { owner: 'bob' }));
    expect(denied).toBeInstanceOf(AccessDeniedError);
    expect([denied.code, denied.status]).toEqual(['access_denied', 403]);
    const unauthenticated = await rejection(editDoc(undefined, { owner: 'alice' }));
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers['WWW-Authenticate']).toContain('resource_metadata=');
    expect(calls).toHaveLength(2);
  });

  it('wrapper form: missing scopes → InsufficientScopeError with the step-up challenge', async () => {
    const { auth } = setup();
    const deploy = authRequired(auth, 'deploy')((ctx: AuthContext) => ctx.userId);
    const err = await rejection(deploy(context()));
    expect(err).toBeInstanceOf(InsufficientScopeError);
    expect([err.code, err.status]).toEqual(['insufficient_scope', 403]);
    expect((err as InsufficientScopeError).requiredScopes).toEqual([
      'mcp:tools:read',
      'mcp:tools:write',
    ]);
    expect(err.headers['WWW-Authenticate']).toContain('scope="mcp:tools:read mcp:tools:write"');
    expect(await deploy(context({ scopes: ['mcp:tools:write'] }))).toBe('alice');
    // An expired context passed along later is refused.
    expect(
      (await rejection(deploy(context({ scopes: ['mcp:tools:write'], expiresAt: now - 5 }))))
        .status,
    ).toBe(401);
  });

  it('decorator form (TC39): the method is called with the context (or a header) and the arguments', async () => {
    const { auth } = setup();
    // Compile the fixture with TypeScript's standard (TC39) decorator emit and run it.
    const fixture = fileURLToPath(
      new URL('../../test/policy/decorated-tools.fixture.ts', import.meta.url),
    );
    const { outputText } = ts.transpileModule(readFileSync(fixture, 'utf8'), {
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        experimentalDecorators: false,
      },
    });
    expect(outputText).toContain('__esDecorate');
    const exports: Record<string, unknown> = {};
    const require = (id: string) => {
      if (id.endsWith('/src/resource/index.js')) return resource;
      throw new Error(`unexpected import ${id}`);
    };
    new Function('require', 'exports', outputText)(require, exports);
    const tools = (exports.createDecoratedTools as typeof createDecoratedTools)(auth);

    expect(await tools.editDoc(context(), { owner: 'alice', id: '1' })).toBe('doc:1 by alice');
    const viaHeader = tools.editDoc as unknown as (auth: string, args: unknown) => Promise<string>;
    expect(await viaHeader.call(tools, 'Bearer reader', { owner: 'alice', id: '2' })).toBe(
      'doc:2 by alice',
    );
    expect((await rejection(tools.editDoc(context(), { owner: 'bob', id: '3' }))).code).toBe(
      'access_denied',
    );
    expect((await rejection(tools.deploy(context()))).code).toBe('insufficient_scope');
    expect(await tools.deploy(context({ scopes: ['mcp:tools:write'] }))).toBe('alice');
    expect((await rejection(viaHeader.call(tools, 'Bearer down', {}))).status).toBe(503);
  });

  it('refuses misuse at once', () => {
    const { auth } = setup();
    expect(() => authRequired({} as McpResourceAuth, 'x')).toThrow(TypeError);
    expect(() => authRequired(auth, '')).toThrow(TypeError);
    expect(() => (authRequired(auth, 'x') as unknown as (v: unknown) => unknown)(42)).toThrow(
      TypeError,
    );
    const field = authRequired(auth, 'x') as unknown as (v: unknown, c: unknown) => unknown;
    expect(() => field(() => 1, { kind: 'field' })).toThrow(TypeError);
  });
});
