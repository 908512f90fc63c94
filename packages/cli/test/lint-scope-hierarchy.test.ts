/**
 * `policy lint` compares scope requirements with core's coverage rule, so the document's
 * `scopeHierarchy` (SEP-2350) and `:*` wildcards count when deciding that a rule is redundant.
 */
import { PolicyEngine } from '@mcp-auth/core';
import { describe, expect, it } from 'vitest';
import { type LintFinding, lintPolicy } from '../src/lint/lint-policy.js';

const codes = (findings: readonly LintFinding[]) =>
  findings.map((f) => `${f.severity}:${f.code}:${f.ruleId ?? ''}`);
const lint = (rules: unknown[], scopeHierarchy?: Record<string, string[]>) =>
  lintPolicy(
    PolicyEngine.fromJSON({
      version: 1,
      ...(scopeHierarchy ? { scopeHierarchy } : {}),
      rules,
    }).toJSON(),
  );

const rules = [
  { id: 'reads', tools: ['get_.*'], scopes: ['mcp:tools:read'] },
  { id: 'admin-weather', tools: ['get_weather'], scopes: ['mcp:tools:admin'] },
];

describe('policy lint with a scope hierarchy', () => {
  it('an allow rule needing a scope that implies a weaker rule’s scope is redundant', () => {
    const h = { 'mcp:tools:admin': ['mcp:tools:write'], 'mcp:tools:write': ['mcp:tools:read'] };
    expect(codes(lint(rules, h))).toContain('warn:allow-redundant:admin-weather');
  });

  it('without the hierarchy the same rules are not redundant', () => {
    expect(codes(lint(rules))).not.toContain('warn:allow-redundant:admin-weather');
  });

  it('a wildcard requirement covered by no narrower scope is not called redundant', () => {
    const findings = lint([
      { id: 'all', tools: ['.*'], scopes: ['mcp:tools:*'] },
      { id: 'reads', tools: ['get_.*'], scopes: ['mcp:tools:read'] },
    ]);
    expect(codes(findings)).not.toContain('warn:allow-redundant:reads');
  });
});
