/**
 * The resource-server API at the HTTP edge: SECURITY-CASES 37–40 and the MCP step-up flow
 * (MCP authorization spec: 401 with resource_metadata, 403 insufficient_scope with scope).
 */
import { describe, expect, it, vi } from 'vitest';
import { TemporarilyUnavailableError } from '../errors/oauth-error.js';
import { createSecretKey, generateSecret, type JwtPayload, signJwt } from '../jwt/index.js';
import { createDefaultPolicies, defaultPolicyRules, PolicyEngine } from '../policy/index.js';
import { createAccessTokenVerifier } from '../tokens/access-token-verifier.js';
import type { AuthContext, TokenVerifier } from '../domain/auth-context.js';
import {
  authContextFromAuthInfo,
  authorizeMcpToolCall,
  createDeniedToolResult,
  createMcpGuard,
  filterToolList,
  isAllowedAtEdge,
  isDecidedAtEdge,
  type McpGuard,
  type McpGuardOutcome,
  toAuthInfo,
} from './index.js';

const ISS = 'https://as.example.com';
const AUD = 'https://mcp.example.com/mcp';
const PRM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

async function setup(options: { revoked?: () => Promise<boolean> } = {}) {
  const key = await createSecretKey(generateSecret());
  const verifier = createAccessTokenVerifier({
    key,
    issuer: ISS,
    audience: AUD,
    isRevoked: options.revoked,
  });
  // The default families without the `.*` catch-all, so argument denials stay unfixable by scopes.
  const policy = new PolicyEngine();
  policy.addRules(defaultPolicyRules.filter((r) => r.id !== 'default-all'));
  policy.addRule({
    id: 'own-docs',
    tools: 'edit_doc',
    scopes: ['mcp:tools:write'],
    args: { arg: 'owner', eq: { claim: 'sub' } },
  });
  const guard = createMcpGuard({
    verifier,
    policy,
    resourceMetadataUrl: PRM,
    challengeScopes: ['mcp:tools:read'],
  });
  const now = Math.floor(Date.now() / 1000);
  const token = (claims: Partial<JwtPayload> = {}) =>
    signJwt(
      {
        iss: ISS,
        sub: 'alice',
        aud: AUD,
        exp: now + 300,
        iat: now,
        jti: `j-${Math.random()}`,
        client_id: 'client-1',
        scope: 'mcp:tools:read',
        ...claims,
      },
      key,
      { typ: 'at+jwt' },
    );
  return { guard, policy, token, verifier };
}

const call = (name: string, args?: unknown, id: number | string = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

interface GuardInput {
  authorizationHeader: string | undefined;
  body: unknown;
  method?: string;
  headers?: Record<string, string>;
  [other: string]: unknown;
}

type Decision =
  | (Extract<McpGuardOutcome, { ok: true }> & { kind: 'ok'; bodyReads: number })
  | {
      kind: 'unauthenticated' | 'insufficient_scope' | 'unavailable' | 'error' | 'answered';
      status: number;
      headers: Record<string, string>;
      body: string;
      bodyReads: number;
    };

/** Runs the guard on a request whose body is `body` as JSON, and counts body reads. */
async function check(guard: McpGuard, input: GuardInput): Promise<Decision> {
  const headers: Record<string, string> = { ...(input.headers ?? {}) };
  if (input.authorizationHeader !== undefined) headers['authorization'] = input.authorizationHeader;
  let bodyReads = 0;
  const outcome = await guard.check({
    method: input.method ?? 'POST',
    header: (name) => headers[name],
    headerNames: Object.keys(headers),
    readBody: async () => {
      bodyReads++;
      return input.body === undefined
        ? undefined
        : new TextEncoder().encode(JSON.stringify(input.body));
    },
  });
  if (outcome.ok) return { ...outcome, kind: 'ok', bodyReads };
  const { status } = outcome.response;
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(outcome.response.headers))
    flat[name] = typeof value === 'string' ? value : value.join(', ');
  const kind =
    status === 401
      ? 'unauthenticated'
      : status === 403 && flat['www-authenticate']?.includes('insufficient_scope')
        ? 'insufficient_scope'
        : status === 503
          ? 'unavailable'
          : status >= 500
            ? 'error'
            : 'answered';
  return { kind, status, headers: flat, body: outcome.response.body ?? '', bodyReads };
}

function expectRejection(decision: Decision, status: number) {
  if (decision.kind === 'ok') throw new Error(`expected ${status}, got ok`);
  expect(decision.status).toBe(status);
  return decision;
}

describe('createMcpGuard', () => {
  it('lets an authenticated request through with the AuthContext and the SDK AuthInfo', async () => {
    const { guard, token } = await setup();
    const t = await token();
    const decision = await check(guard, {
      authorizationHeader: `Bearer ${t}`,
      body: call('read_file'),
    });
    if (decision.kind !== 'ok') throw new Error(decision.body);
    expect(decision.auth).toMatchObject({
      userId: 'alice',
      clientId: 'client-1',
      scopes: ['mcp:tools:read'],
    });
    expect(decision.authInfo).toMatchObject({
      token: t,
      clientId: 'client-1',
      scopes: ['mcp:tools:read'],
    });
    expect(decision.authInfo.resource?.href).toBe(AUD);
    expect(authContextFromAuthInfo(decision.authInfo)).toBe(decision.auth);
  });

  it('SECURITY-CASES 37: a token in ?access_token= is never looked at (401)', async () => {
    const { guard, token } = await setup();
    const t = await token();
    // The guard takes no URL at all; even if an adapter passed one along, it is ignored.
    const request = {
      authorizationHeader: undefined,
      body: call('read_file'),
      url: `${AUD}?access_token=${t}`,
      access_token: t,
    };
    const d = expectRejection(await check(guard, request), 401);
    expect(d.kind).toBe('unauthenticated');
    expect(d.body).not.toContain(t);
  });

  it.each([
    ['no header', undefined],
    ['Bearer with no token', 'Bearer'],
    ['Basic x', 'Basic x'],
    ['a garbage token', 'Bearer not-a-jwt'],
  ])('SECURITY-CASES 38: %s → 401 with resource_metadata', async (_label, header) => {
    const { guard } = await setup();
    const d = expectRejection(
      await check(guard, { authorizationHeader: header, body: call('read_file') }),
      401,
    );
    expect(d.kind).toBe('unauthenticated');
    const challenge = d.headers['www-authenticate']!;
    expect(challenge).toContain(`resource_metadata="${PRM}"`);
    expect(challenge).toContain('scope="mcp:tools:read"');
    // RFC 6750 §3.1: no error code when the request carried no bearer credentials.
    if (header === undefined || header === 'Basic x') expect(challenge).not.toContain('error=');
    else expect(challenge).toContain('error="invalid_token"');
    expect(JSON.parse(d.body).error).toBe('invalid_token');
    expect(d.headers['cache-control']).toBe('no-store');
  });

  it('SECURITY-CASES 33: an Authorization header over 8 KiB → 401 before the verifier runs', async () => {
    const { policy } = await setup();
    let verified = 0;
    const spy: TokenVerifier = {
      verify: async () => {
        verified++;
        throw new Error('must not be called');
      },
    };
    const guard = createMcpGuard({ verifier: spy, policy, resourceMetadataUrl: PRM });
    const d = expectRejection(
      await check(guard, { authorizationHeader: `Bearer ${'a'.repeat(9000)}`, body: null }),
      401,
    );
    expect(d.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(verified).toBe(0);
  });

  it('issue 12: an unauthenticated request gets its 401 without its body being read; the scope does not depend on it', async () => {
    const { guard } = await setup();
    const a = expectRejection(
      await check(guard, { authorizationHeader: undefined, body: call('delete_user') }),
      401,
    );
    const b = expectRejection(
      await check(guard, { authorizationHeader: 'Bearer garbage', body: call('read_file') }),
      401,
    );
    expect(a.bodyReads).toBe(0);
    expect(b.bodyReads).toBe(0);
    expect(a.headers['www-authenticate']).toContain('scope="mcp:tools:read"');
    expect(a.headers['www-authenticate']).not.toContain('mcp:tools:admin');
  });

  it('SECURITY-CASES 39: a missing scope for a tool → 403 insufficient_scope asking for the scopes this request needs', async () => {
    const { guard, token } = await setup();
    const t = await token();
    const d = expectRejection(
      await check(guard, {
        authorizationHeader: `Bearer ${t}`,
        body: call('delete_user', { id: 'u1' }),
      }),
      403,
    );
    expect(d.kind).toBe('insufficient_scope');
    const challenge = d.headers['www-authenticate']!;
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp:tools:admin"');
    expect(challenge).toContain(`resource_metadata="${PRM}"`);
    expect(JSON.parse(d.body).error).toBe('insufficient_scope');
    expect(challenge).not.toContain(t);
  });

  it('a batch: every scope the request lacks is asked for at once, and nothing of it runs', async () => {
    const { guard, token } = await setup();
    const t = await token();
    const d = expectRejection(
      await check(guard, {
        authorizationHeader: `Bearer ${t}`,
        body: [
          call('read_file', {}, 1),
          call('send_email', {}, 2),
          call('delete_user', {}, 3),
          { jsonrpc: '2.0', method: 'notifications/initialized' },
        ],
      }),
      403,
    );
    expect(d.headers['www-authenticate']).toContain('scope="mcp:tools:write mcp:tools:admin"');
  });

  it('issue 11: a denial scopes cannot fix is answered at the edge with the denied tool result (2025 era)', async () => {
    const { guard, token } = await setup();
    const t = await token({ scope: 'mcp:tools:write' });
    for (const [body, code] of [
      [call('edit_doc', { owner: 'bob' }, 7), 'condition_not_met'],
      [call('bad name', {}, 7), 'invalid_tool_name'],
    ] as const) {
      const d = expectRejection(
        await check(guard, { authorizationHeader: `Bearer ${t}`, body }),
        200,
      );
      const answer = JSON.parse(d.body);
      expect(answer.id).toBe(7);
      expect(answer.result.isError).toBe(true);
      expect(answer.result.content[0].text).toMatch(/^Access denied \(/);
      expect(answer.result.content[0].text).toContain(code);
      expect(answer.result.resultType).toBeUndefined();
    }
    for (const body of [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }, 'not json-rpc', null]) {
      expect((await check(guard, { authorizationHeader: `Bearer ${t}`, body })).kind).toBe('ok');
    }
  });

  it('issue 17: a step-up the account can never satisfy is answered inside MCP, not with a looping 403', async () => {
    const { guard, token } = await setup();
    // The token says what this user may ever hold (mcp-auth's authorization server sets it).
    const viewer = await token({
      scope: 'mcp:tools:read',
      mcp_grantable_scopes: ['mcp:tools:read'],
    });
    const d = expectRejection(
      await check(guard, {
        authorizationHeader: `Bearer ${viewer}`,
        body: call('send_email', {}, 4),
      }),
      200,
    );
    const answer = JSON.parse(d.body);
    expect(answer.id).toBe(4);
    expect(answer.result.isError).toBe(true);
    expect(answer.result.content[0].text).toMatch(/^Access denied \(scope_not_grantable\): /);
    expect(answer.result.content[0].text).toContain(
      'this account cannot be granted mcp:tools:write, so signing in again would not help',
    );
    // A machine client (client credentials) is told about the client, not an account.
    const machine = await token({
      scope: 'mcp:tools:read',
      mcp_grantable_scopes: ['mcp:tools:read'],
      mcp_principal: 'client',
    });
    const m = expectRejection(
      await check(guard, { authorizationHeader: `Bearer ${machine}`, body: call('send_email') }),
      200,
    );
    expect(JSON.parse(m.body).result.content[0].text).toMatch(
      /^Access denied \(scope_not_grantable\): .*; this client cannot be granted mcp:tools:write, so a new token would not help$/,
    );
    // An editor who unticked write can still be granted it: the step-up stays.
    const editor = await token({
      scope: 'mcp:tools:read',
      mcp_grantable_scopes: ['mcp:tools:read', 'mcp:tools:write'],
    });
    expectRejection(
      await check(guard, { authorizationHeader: `Bearer ${editor}`, body: call('send_email') }),
      403,
    );
    // A token without the claim (another issuer) always gets the step-up.
    expectRejection(
      await check(guard, {
        authorizationHeader: `Bearer ${await token()}`,
        body: call('send_email'),
      }),
      403,
    );
  });

  it('issue 11: on protocol 2026-07-28 the denied result carries resultType "complete"', async () => {
    const { guard, token } = await setup();
    const t = await token({ scope: 'mcp:tools:write' });
    const d = expectRejection(
      await check(guard, {
        authorizationHeader: `Bearer ${t}`,
        body: call('edit_doc', { owner: 'bob' }, 'a'),
        headers: {
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'edit_doc',
        },
      }),
      200,
    );
    expect(JSON.parse(d.body)).toMatchObject({
      id: 'a',
      result: { isError: true, resultType: 'complete' },
    });
  });

  it('issue 11: a batch holding a refused call is answered whole; no element runs', async () => {
    const { guard, token } = await setup();
    const t = await token({ scope: 'mcp:tools:write mcp:tools:read' });
    const d = expectRejection(
      await check(guard, {
        authorizationHeader: `Bearer ${t}`,
        body: [
          call('read_file', {}, 1),
          call('edit_doc', { owner: 'bob' }, 2),
          { jsonrpc: '2.0', id: 3, method: 'tools/list' },
          { jsonrpc: '2.0', method: 'notifications/initialized' },
        ],
      }),
      200,
    );
    const answers = JSON.parse(d.body) as {
      id: number;
      result?: { isError: boolean };
      error?: { code: number };
    }[];
    expect(answers.map((a) => a.id)).toEqual([1, 2, 3]);
    expect(answers[0]!.error?.code).toBe(-32600);
    expect(answers[1]!.result?.isError).toBe(true);
    expect(answers[2]!.error?.code).toBe(-32600);
  });

  it('SECURITY-CASES 39: a store error while verifying → 503, never a 2xx', async () => {
    const { guard, token } = await setup({
      revoked: async () => {
        throw new Error('redis down');
      },
    });
    const t = await token();
    const d = expectRejection(
      await check(guard, { authorizationHeader: `Bearer ${t}`, body: call('read_file') }),
      503,
    );
    expect(d.kind).toBe('unavailable');
    expect(d.headers['retry-after']).toBeDefined();
    expect(JSON.parse(d.body).error).toBe('temporarily_unavailable');
  });

  it('a verifier that fails unexpectedly → 500, a TemporarilyUnavailableError → 503', async () => {
    const { policy } = await setup();
    const broken: TokenVerifier = {
      verify: async () => {
        throw new Error('bug');
      },
    };
    const d = expectRejection(
      await check(createMcpGuard({ verifier: broken, policy, resourceMetadataUrl: PRM }), {
        authorizationHeader: 'Bearer x',
        body: null,
      }),
      500,
    );
    expect(d.kind).toBe('error');
    expect(JSON.parse(d.body)).toEqual({
      error: 'server_error',
      error_description: 'Token verification failed',
    });
    const down: TokenVerifier = {
      verify: async () => {
        throw new TemporarilyUnavailableError();
      },
    };
    expect(
      (
        await check(createMcpGuard({ verifier: down, policy, resourceMetadataUrl: PRM }), {
          authorizationHeader: 'Bearer x',
          body: null,
        })
      ).kind,
    ).toBe('unavailable');
    const liar: TokenVerifier = { verify: async () => ({}) as AuthContext };
    expect(
      expectRejection(
        await check(createMcpGuard({ verifier: liar, policy, resourceMetadataUrl: PRM }), {
          authorizationHeader: 'Bearer x',
          body: null,
        }),
        500,
      ).kind,
    ).toBe('error');
  });

  it('SECURITY-CASES 40: a token issued for another audience → 401; the context never holds the token', async () => {
    const { guard, token } = await setup();
    const other = await token({ aud: 'https://other.example.com/mcp' });
    const d = expectRejection(
      await check(guard, { authorizationHeader: `Bearer ${other}`, body: call('read_file') }),
      401,
    );
    expect(d.headers['www-authenticate']).toContain('error="invalid_token"');
    const t = await token();
    const ok = await check(guard, { authorizationHeader: `Bearer ${t}`, body: null });
    if (ok.kind !== 'ok') throw new Error('expected ok');
    // What tool handlers get (the AuthContext) has no token to forward upstream.
    expect(JSON.stringify(ok.auth)).not.toContain(t);
    expect(JSON.stringify(ok.auth)).not.toContain(t.split('.')[2]!);
  });

  it('an expired token → 401', async () => {
    const { guard, token } = await setup();
    const t = await token({ exp: Math.floor(Date.now() / 1000) - 10 });
    expect(
      expectRejection(await check(guard, { authorizationHeader: `Bearer ${t}`, body: null }), 401)
        .kind,
    ).toBe('unauthenticated');
  });
});

describe('MCP-layer helpers', () => {
  const ctx: AuthContext = {
    userId: 'alice',
    clientId: 'c',
    scopes: ['mcp:tools:read'],
    claims: { sub: 'alice' },
    expiresAt: undefined,
    jti: undefined,
    resource: 'https://mcp.example.com/mcp',
    grantId: undefined,
  };

  it('filterToolList keeps what the caller may call; no caller, no tools', () => {
    const policy = createDefaultPolicies();
    const tools = [
      { name: 'read_file', title: 'Read' },
      { name: 'send_email' },
      { name: 'get_weather' },
    ];
    expect(filterToolList(tools, ctx, policy)).toEqual([tools[0], tools[2]]);
    expect(filterToolList(tools, undefined, policy)).toEqual([]);
  });

  it('authorizeMcpToolCall returns one documented denied result', () => {
    const policy = createDefaultPolicies();
    expect(authorizeMcpToolCall(policy, ctx, 'read_file', {}).allowed).toBe(true);
    const denied = authorizeMcpToolCall(policy, ctx, 'delete_user', { id: 1 });
    expect(denied.allowed).toBe(false);
    if (denied.allowed) return;
    expect(denied.decision?.code).toBe('insufficient_scope');
    expect(denied.result).toEqual(createDeniedToolResult(denied.decision!));
    expect(denied.result).toEqual({
      content: [
        {
          type: 'text',
          text: 'Access denied (insufficient_scope): rule "default-admin" requires scope mcp:tools:admin',
        },
      ],
      isError: true,
    });
    const anonymous = authorizeMcpToolCall(policy, undefined, 'read_file');
    expect(anonymous.allowed).toBe(false);
    if (!anonymous.allowed) expect(anonymous.result.content[0]!.text).toMatch(/unauthenticated/);
  });

  it('one audit event per call: after the edge decided, the server records only what it refuses', async () => {
    const events: string[] = [];
    const policy = createDefaultPolicies();
    policy.onDecision((event) => events.push(`${event.tool}:${event.decision}`));
    expect(
      authorizeMcpToolCall(policy, ctx, 'read_file', {}, { decidedAtEdge: true }).allowed,
    ).toBe(true);
    expect(events).toEqual([]);
    authorizeMcpToolCall(policy, ctx, 'delete_user', {}, { decidedAtEdge: true });
    expect(events).toEqual(['delete_user:deny']);
    authorizeMcpToolCall(policy, ctx, 'read_file', {});
    expect(events).toEqual(['delete_user:deny', 'read_file:allow']);
    // The guard marks what it let through; nothing else is marked.
    const { guard, token } = await setup();
    const ok = await check(guard, { authorizationHeader: `Bearer ${await token()}`, body: null });
    if (ok.kind !== 'ok') throw new Error('expected ok');
    expect(isDecidedAtEdge(ok.authInfo)).toBe(true);
    expect(isDecidedAtEdge(toAuthInfo(ctx, 't'))).toBe(false);
  });

  it('what the edge allowed is not decided again, unless arguments can change the answer', async () => {
    const { guard, policy, token } = await setup();
    const bearer = `Bearer ${await token({ scope: 'mcp:tools:read mcp:tools:write' })}`;
    const ok = await check(guard, { authorizationHeader: bearer, body: call('read_file', {}) });
    if (ok.kind !== 'ok') throw new Error('expected ok');
    const auth = ok.auth;
    expect(isAllowedAtEdge(ok.authInfo, policy, 'read_file')).toBe(true);
    // Another tool, another policy, another request: not this allowance.
    expect(isAllowedAtEdge(ok.authInfo, policy, 'write_file')).toBe(false);
    expect(isAllowedAtEdge(ok.authInfo, createDefaultPolicies(), 'read_file')).toBe(false);
    expect(isAllowedAtEdge(toAuthInfo(auth, 't'), policy, 'read_file')).toBe(false);
    // The allowance is neither in `extra` (tool code) nor in a serialized AuthInfo.
    expect(JSON.stringify(ok.authInfo)).not.toMatch(/allowance/);
    expect(Object.keys(ok.authInfo.extra!).sort()).toEqual(['auth', 'decidedAtEdge']);

    const evaluate = vi.spyOn(policy, 'evaluate');
    const skipped = authorizeMcpToolCall(policy, auth, 'read_file', {}, { authInfo: ok.authInfo });
    expect(skipped.allowed).toBe(true);
    expect(evaluate).not.toHaveBeenCalled();
    // A call the edge never saw is decided (and refused) in full.
    const other = authorizeMcpToolCall(policy, auth, 'delete_user', {}, { authInfo: ok.authInfo });
    expect(other.allowed).toBe(false);
    // Another caller's context with this AuthInfo: decided in full.
    const bob = { ...auth, userId: 'bob' };
    evaluate.mockClear();
    expect(
      authorizeMcpToolCall(policy, bob, 'read_file', {}, { authInfo: ok.authInfo }).allowed,
    ).toBe(true);
    expect(evaluate).toHaveBeenCalledTimes(1);
    evaluate.mockRestore();

    // A rule with an `args` condition: the parsed arguments are decided even after the edge.
    expect(policy.hasArgumentConditions('edit_doc')).toBe(true);
    expect(policy.hasArgumentConditions('read_file')).toBe(false);
    expect(policy.hasArgumentConditions('not a name')).toBe(false);
    const edited = await check(guard, {
      authorizationHeader: bearer,
      body: call('edit_doc', { owner: 'alice' }),
    });
    if (edited.kind !== 'ok') throw new Error('expected ok');
    expect(isAllowedAtEdge(edited.authInfo, policy, 'edit_doc')).toBe(true);
    const parsed = authorizeMcpToolCall(
      policy,
      edited.auth,
      'edit_doc',
      { owner: 'carol' },
      {
        authInfo: edited.authInfo,
      },
    );
    expect(parsed.allowed).toBe(false);
    expect(
      authorizeMcpToolCall(
        policy,
        edited.auth,
        'edit_doc',
        { owner: 'alice' },
        {
          authInfo: edited.authInfo,
        },
      ).allowed,
    ).toBe(true);
    // A batch carries no allowance: each element is decided again inside the server.
    const batch = await check(guard, {
      authorizationHeader: bearer,
      body: [call('read_file', {}, 1), call('read_file', {}, 2)],
    });
    if (batch.kind !== 'ok') throw new Error('expected ok');
    expect(isAllowedAtEdge(batch.authInfo, policy, 'read_file')).toBe(false);
  });

  it('toAuthInfo builds the SDK AuthInfo shape', () => {
    const info = toAuthInfo({ ...ctx, expiresAt: 123 }, 'tok');
    expect(info).toEqual({
      token: 'tok',
      clientId: 'c',
      scopes: ['mcp:tools:read'],
      expiresAt: 123,
      resource: new URL('https://mcp.example.com/mcp'),
      extra: { auth: { ...ctx, expiresAt: 123 } },
    });
    expect(toAuthInfo({ ...ctx, resource: undefined }, 't')).not.toHaveProperty('resource');
    expect(authContextFromAuthInfo({ extra: {} })).toBeUndefined();
    expect(authContextFromAuthInfo(null)).toBeUndefined();
  });

  it('toAuthInfo: resource is one read-only URL per resource, shared by every AuthInfo', () => {
    const first = toAuthInfo(ctx, 'a').resource;
    const second = toAuthInfo(ctx, 'b').resource;
    expect(first).toBeInstanceOf(URL);
    expect(second).toBe(first);
    const resource = first!;
    expect(resource.href).toBe('https://mcp.example.com/mcp');
    expect(JSON.stringify({ resource })).toBe('{"resource":"https://mcp.example.com/mcp"}');
    expect(new URL('/other', resource).href).toBe('https://mcp.example.com/other');
    for (const part of ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port'])
      expect(() => Object.assign(resource, { [part]: 'x' }), part).toThrow(/read-only/);
    for (const part of ['pathname', 'search', 'hash'])
      expect(() => Object.assign(resource, { [part]: 'x' }), part).toThrow(/read-only/);
    resource.searchParams.set('leak', '1');
    expect(() => Object.assign(resource, { added: 1 })).toThrow(TypeError);
    expect(toAuthInfo(ctx, 'c').resource?.href).toBe('https://mcp.example.com/mcp');
    // Past the remembered resources each is still parsed right; a non-URL gets none.
    for (let i = 0; i < 200; i++) {
      const href = `https://r${i}.example.com/mcp`;
      expect(toAuthInfo({ ...ctx, resource: href }, 't').resource?.href).toBe(href);
    }
    expect(toAuthInfo({ ...ctx, resource: 'not a url' }, 't')).not.toHaveProperty('resource');
  });
});

describe('createMcpGuard requiredScopes', () => {
  it('answers a token without an endpoint-wide scope with a 403 step-up, whatever the method', async () => {
    const { policy, token, verifier } = await setup();
    const guard = createMcpGuard({
      verifier,
      policy,
      resourceMetadataUrl: PRM,
      requiredScopes: ['mcp:access'],
    });
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const refused = expectRejection(
      await check(guard, { authorizationHeader: `Bearer ${await token()}`, body: list }),
      403,
    );
    expect(refused.kind).toBe('insufficient_scope');
    expect(refused.headers['www-authenticate']).toContain('scope="mcp:access"');
    const ok = await check(guard, {
      authorizationHeader: `Bearer ${await token({ scope: 'mcp:tools:read mcp:access' })}`,
      body: list,
    });
    expect(ok.kind).toBe('ok');
  });

  it('refuses a malformed requiredScopes at creation', async () => {
    const { policy, verifier } = await setup();
    expect(() =>
      createMcpGuard({
        verifier,
        policy,
        resourceMetadataUrl: PRM,
        requiredScopes: [''] as unknown as string[],
      }),
    ).toThrow(TypeError);
  });
});
