// Issue 14: the `{ principal: 'user' | 'client' }` condition — machine clients (client
// credentials tokens carry `mcp_principal: "client"`) addressed by the policy.
import { describe, expect, it } from 'vitest';
import { PolicyEngine } from './engine.js';
import { PolicyValidationError } from './errors.js';

function engine(): PolicyEngine {
  const policy = new PolicyEngine();
  policy.addRule({
    id: 'people-only',
    tools: 'delete_.*',
    effect: 'deny',
    when: { principal: 'client' },
  });
  policy.addRule({ id: 'machines-report', tools: 'export_report', when: { principal: 'client' } });
  policy.addRule({ tools: 'delete_.*', scopes: ['admin'] });
  return policy;
}

const machine = { mcp_principal: 'client', sub: 'agent', client_id: 'agent' };

describe('policy condition { principal }', () => {
  it('"client" holds for a machine token only; "user" for every other token', () => {
    const policy = engine();
    expect(
      policy.evaluate({ tool: 'delete_user', scopes: ['admin'], claims: machine }),
    ).toMatchObject({
      allowed: false,
      ruleId: 'people-only',
    });
    expect(
      policy.evaluate({ tool: 'delete_user', scopes: ['admin'], claims: { sub: 'carol' } }).allowed,
    ).toBe(true);
    expect(policy.evaluate({ tool: 'export_report', scopes: [], claims: machine }).allowed).toBe(
      true,
    );
    expect(
      policy.evaluate({ tool: 'export_report', scopes: [], claims: { sub: 'alice' } }).allowed,
    ).toBe(false);
    // Only the exact value "client" marks a machine.
    expect(
      policy.evaluate({ tool: 'export_report', scopes: [], claims: { mcp_principal: 'robot' } })
        .allowed,
    ).toBe(false);
    const users = new PolicyEngine();
    users.addRule({ tools: 'whoami', when: { principal: 'user' } });
    expect(users.evaluate({ tool: 'whoami', scopes: [], claims: { sub: 'alice' } }).allowed).toBe(
      true,
    );
    expect(users.evaluate({ tool: 'whoami', scopes: [], claims: machine }).allowed).toBe(false);
  });

  it('round-trips through JSON, and the JSON form is checked', () => {
    const copy = PolicyEngine.fromJSON(engine().toJSON());
    expect(copy.evaluate({ tool: 'delete_user', scopes: ['admin'], claims: machine }).allowed).toBe(
      false,
    );
    const bad = (when: unknown) => () =>
      PolicyEngine.fromJSON({ version: 1, rules: [{ tools: 'x', when }] } as never);
    expect(bad({ principal: 'robot' })).toThrow(PolicyValidationError);
    expect(bad({ principal: 'client', claim: 'sub' })).toThrow(/only key/);
  });
});
