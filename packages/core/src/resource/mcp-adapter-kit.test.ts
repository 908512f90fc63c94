import { describe, expect, it } from 'vitest';
import { createDefaultPolicies } from '../policy/defaults.js';
import type { AuthContext } from './auth-context.js';
import {
  authContextFromAuthInfo,
  canSeeMcpTool,
  decideMcpToolCall,
  selectVisibleTools,
} from './mcp-adapter-kit.js';

function ctx(userId: string, scopes: string[], claims: Record<string, unknown> = {}): AuthContext {
  return {
    userId,
    clientId: 'client-1',
    scopes,
    claims: { sub: userId, ...claims },
    expiresAt: undefined,
    jti: undefined,
    resource: undefined,
    grantId: undefined,
  };
}

function policy() {
  const engine = createDefaultPolicies();
  engine.addRule({
    id: 'own-documents-only',
    tools: 'read_document',
    effect: 'deny',
    args: { not: { arg: 'owner', eq: { claim: 'sub' } } },
  });
  return engine;
}

describe('decideMcpToolCall', () => {
  it('refuses a request without AuthContext with a JSON-RPC invalid-request error', () => {
    const outcome = decideMcpToolCall(policy(), { auth: undefined, tool: 'get_weather' });
    expect(outcome.outcome).toBe('unauthenticated');
    if (outcome.outcome === 'unauthenticated') expect(outcome.error.code).toBe(-32600);
  });

  it('allows a call whose scopes and arguments satisfy the policy', () => {
    const outcome = decideMcpToolCall(policy(), {
      auth: ctx('alice', ['mcp:tools:read']),
      tool: 'read_document',
      args: { owner: 'alice' },
    });
    expect(outcome.outcome).toBe('allow');
  });

  it('denies a missing scope with the documented result listing the missing scopes', () => {
    const outcome = decideMcpToolCall(policy(), {
      auth: ctx('alice', ['mcp:tools:read']),
      tool: 'delete_user',
    });
    expect(outcome.outcome).toBe('deny');
    if (outcome.outcome !== 'deny') return;
    expect(outcome.result.isError).toBe(true);
    expect(outcome.result.content[0]?.type).toBe('text');
    expect(outcome.result._meta['mcp-auth/denied'].error).toBe('access_denied');
    expect(outcome.result._meta['mcp-auth/denied'].missing_scopes).toEqual(['mcp:tools:admin']);
    expect(outcome.decision.code).toBe('insufficient_scope');
  });

  it('denies by arguments (owner ≠ sub) with no missing scopes: scopes would not help', () => {
    const outcome = decideMcpToolCall(policy(), {
      auth: ctx('alice', ['mcp:tools:read']),
      tool: 'read_document',
      args: { owner: 'bob' },
    });
    expect(outcome.outcome).toBe('deny');
    if (outcome.outcome !== 'deny') return;
    expect(outcome.result._meta['mcp-auth/denied'].rule_id).toBe('own-documents-only');
    expect(outcome.result._meta['mcp-auth/denied'].missing_scopes).toEqual([]);
  });

  it('denies a non-string tool name and non-object arguments (SECURITY-CASES 42)', () => {
    const auth = ctx('carol', ['mcp:tools:*']);
    expect(decideMcpToolCall(policy(), { auth, tool: 42 }).outcome).toBe('deny');
    expect(
      decideMcpToolCall(policy(), { auth, tool: 'read_document', args: ['alice'] }).outcome,
    ).toBe('deny');
  });
});

describe('tools/list filtering', () => {
  const tools = [{ name: 'get_weather' }, { name: 'send_email' }, { name: 'delete_user' }];

  it('keeps only the tools the caller may call, and the other result fields', () => {
    const result = selectVisibleTools(policy(), ctx('bob', ['mcp:tools:read', 'mcp:tools:write']), {
      tools,
      nextCursor: 'c',
    });
    expect(result).toEqual({
      tools: [{ name: 'get_weather' }, { name: 'send_email' }],
      nextCursor: 'c',
    });
  });

  it('fails closed: no caller or an unexpected shape gives an empty list', () => {
    expect(selectVisibleTools(policy(), undefined, { tools })).toEqual({ tools: [] });
    expect(selectVisibleTools(policy(), ctx('carol', ['mcp:tools:*']), { tools: 'x' })).toEqual({
      tools: [],
    });
  });

  it('canSeeMcpTool follows the policy and is false without a caller', () => {
    expect(canSeeMcpTool(policy(), ctx('alice', ['mcp:tools:read']), 'get_weather')).toBe(true);
    expect(canSeeMcpTool(policy(), ctx('alice', ['mcp:tools:read']), 'send_email')).toBe(false);
    expect(canSeeMcpTool(policy(), undefined, 'get_weather')).toBe(false);
  });
});

describe('authContextFromAuthInfo', () => {
  it('returns the AuthContext core placed in extra.auth', () => {
    const auth = ctx('alice', ['mcp:tools:read']);
    expect(
      authContextFromAuthInfo({ token: 't', clientId: 'x', scopes: [], extra: { auth } }),
    ).toBe(auth);
  });

  it('builds one from a foreign AuthInfo (sub and jti from extra, extra as claims)', () => {
    const auth = authContextFromAuthInfo({
      token: 't',
      clientId: 'c',
      scopes: ['mcp:tools:read'],
      expiresAt: 100,
      resource: new URL('https://mcp.example.com/mcp'),
      extra: { sub: 'dave', jti: 'j1', role: 'viewer' },
    });
    expect(auth).toMatchObject({
      userId: 'dave',
      clientId: 'c',
      scopes: ['mcp:tools:read'],
      expiresAt: 100,
      jti: 'j1',
      resource: 'https://mcp.example.com/mcp',
      claims: { sub: 'dave', jti: 'j1', role: 'viewer' },
    });
  });

  it('is undefined for a missing or malformed AuthInfo', () => {
    expect(authContextFromAuthInfo(undefined)).toBeUndefined();
    expect(authContextFromAuthInfo({ clientId: 'c', scopes: 'mcp:tools:read' })).toBeUndefined();
    expect(authContextFromAuthInfo({ scopes: [] })).toBeUndefined();
  });
});
