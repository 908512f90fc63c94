import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultPolicies, PolicyEngine, type PolicyDocument } from '@mcp-auth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LintFinding, lintPolicy } from '../src/lint/lint-policy.js';
import { runCli } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-auth-policy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function policyFile(
  doc: unknown,
  name = `p-${Math.random().toString(36).slice(2)}.json`,
): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(doc));
  return file;
}

const demoPolicy = {
  version: 1,
  rules: [
    { id: 'read', tools: ['get_.*'], effect: 'allow', scopes: { allOf: ['mcp:tools:read'] } },
    { id: 'write', tools: ['send_email'], effect: 'allow', scopes: { allOf: ['mcp:tools:write'] } },
    {
      id: 'admin',
      tools: ['delete_user'],
      effect: 'allow',
      scopes: { allOf: ['mcp:tools:admin'] },
      when: { claim: 'role', eq: 'admin' },
    },
    {
      id: 'no-prod-deletes',
      tools: ['delete_.*'],
      effect: 'deny',
      when: { claim: 'env', eq: 'prod' },
    },
  ],
};

describe('policy check', () => {
  it('allowed → exit 0 and the deciding rule in a table', async () => {
    const file = await policyFile(demoPolicy);
    const r = await runCli([
      'policy',
      'check',
      file,
      '--tool',
      'get_weather',
      '--scopes',
      'mcp:tools:read',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ALLOWED');
    expect(r.stdout).toMatch(/read\s+allow\s+yes/);
    expect(r.stdout).toContain('3 rules not matching');
  });

  it('missing scope → exit 1 with the missing scope a 403 step-up would ask for', async () => {
    const file = await policyFile(demoPolicy);
    const r = await runCli([
      'policy',
      'check',
      file,
      '--tool',
      'send_email',
      '--scopes',
      'mcp:tools:read',
      '--json',
    ]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.decision).toMatchObject({
      allowed: false,
      code: 'insufficient_scope',
      missingScopes: ['mcp:tools:write'],
    });
  });

  it('claims decide: delete_user for an admin is allowed, and denied in prod (deny overrides allow)', async () => {
    const file = await policyFile(demoPolicy);
    const base = [
      'policy',
      'check',
      file,
      '--tool',
      'delete_user',
      '--scopes',
      'mcp:tools:admin',
      '--json',
    ];
    const admin = await runCli([...base, '--claims', '{"sub":"carol","role":"admin"}']);
    expect(admin.code).toBe(0);
    const prod = await runCli([...base, '--claims', '{"sub":"carol","role":"admin","env":"prod"}']);
    expect(prod.code).toBe(1);
    const out = JSON.parse(prod.stdout);
    expect(out.decision).toMatchObject({ code: 'denied_by_rule', ruleId: 'no-prod-deletes' });
    expect(out.rules.find((r: { ruleId: string }) => r.ruleId === 'admin').outcome).toBe('allows');
  });

  it('an unknown tool is denied by default (SECURITY-CASES 44)', async () => {
    const file = await policyFile(demoPolicy);
    const r = await runCli([
      'policy',
      'check',
      file,
      '--tool',
      'format_disk',
      '--scopes',
      'mcp:tools:admin',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('default deny');
  });

  it('an invalid policy → exit 2 listing every problem with its JSON pointer', async () => {
    const file = await policyFile({
      version: 2,
      rules: [{ id: 'x', tools: ['(a+)+'] }, { tools: [] }],
    });
    const r = await runCli(['policy', 'check', file, '--tool', 'a', '--json']);
    expect(r.code).toBe(2);
    const pointers = (JSON.parse(r.stdout).error.problems as { pointer: string }[]).map(
      (p) => p.pointer,
    );
    expect(pointers).toContain('/version');
    expect(pointers.some((p) => p.startsWith('/rules/0/tools'))).toBe(true);
    expect(pointers.some((p) => p.startsWith('/rules/1'))).toBe(true);
    const human = await runCli(['policy', 'lint', file]);
    expect(human.code).toBe(2);
    expect(human.stderr).toContain('/version');
  });

  it('bad --claims JSON is a usage error', async () => {
    const file = await policyFile(demoPolicy);
    const r = await runCli(['policy', 'check', file, '--tool', 'a', '--claims', '{nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--claims');
  });
});

const lintCodes = (findings: readonly LintFinding[]) =>
  findings.map((f) => `${f.severity}:${f.code}:${f.ruleId ?? ''}`);
const lintDoc = (rules: unknown[]) =>
  lintPolicy(PolicyEngine.fromJSON({ version: 1, rules }).toJSON());

describe('policy lint', () => {
  it('the default policies have no errors or warnings', () => {
    const findings = lintPolicy(createDefaultPolicies().toJSON());
    expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(lintCodes(findings)).toContain('info:allow-all-tools:default-all');
  });

  it('an allow rule fully covered by a deny rule is shadowed, in any order (deny overrides allow)', () => {
    for (const order of [0, 1]) {
      const allow = {
        id: 'allow-admin',
        tools: ['admin_(users|groups)'],
        effect: 'allow',
        scopes: ['mcp:tools:admin'],
      };
      const deny = { id: 'deny-admin', tools: ['admin_.*'], effect: 'deny' };
      const findings = lintDoc(order === 0 ? [allow, deny] : [deny, allow]);
      expect(lintCodes(findings)).toContain('error:allow-shadowed-by-deny:allow-admin');
    }
  });

  it('shadowing by several deny rules together is found; a partial overlap is not reported', () => {
    const rules = [
      { id: 'all-reads', tools: ['read_.*'], effect: 'allow', scopes: ['r'] },
      { id: 'deny-a', tools: ['read_[a-m].*'], effect: 'deny' },
      { id: 'deny-b', tools: ['read_[^a-m].*', 'read_'], effect: 'deny' },
    ];
    expect(lintCodes(lintDoc(rules))).toContain('error:allow-shadowed-by-deny:all-reads');
    const partial = lintDoc(rules.slice(0, 2));
    expect(partial.filter((f) => f.code === 'allow-shadowed-by-deny')).toEqual([]);
  });

  it('a conditional deny does not shadow', () => {
    const findings = lintDoc([
      { id: 'a', tools: ['delete_user'], effect: 'allow', scopes: ['x'] },
      { id: 'd', tools: ['delete_.*'], effect: 'deny', when: { claim: 'env', eq: 'prod' } },
    ]);
    expect(findings.filter((f) => f.code === 'allow-shadowed-by-deny')).toEqual([]);
  });

  it('dangerous grants: allow .* with no scopes is an error; no scopes on one tool a warning', () => {
    expect(lintCodes(lintDoc([{ id: 'open', tools: ['.*'], effect: 'allow' }]))).toContain(
      'error:allow-everything:open',
    );
    expect(
      lintCodes(lintDoc([{ id: 'open2', tools: ['[A-Za-z0-9_.-]+'], effect: 'allow' }])),
    ).toContain('error:allow-everything:open2');
    expect(lintCodes(lintDoc([{ id: 'w', tools: ['whoami'], effect: 'allow' }]))).toContain(
      'warn:allow-without-scopes:w',
    );
    expect(
      lintCodes(lintDoc([{ id: 'star', tools: ['x'], effect: 'allow', scopes: ['*'] }])),
    ).toContain('warn:wildcard-scope-required:star');
  });

  it('rules that never match a valid tool name are unreachable (SECURITY-CASES 42)', () => {
    const findings = lintDoc([
      { id: 'too-long', tools: ['a{128}b'], effect: 'allow', scopes: ['s'] },
      { id: 'mixed', tools: ['ok_tool', 'b{100}c{100}'], effect: 'allow', scopes: ['s'] },
    ]);
    expect(lintCodes(findings)).toContain('error:rule-never-matches:too-long');
    expect(lintCodes(findings)).toContain('warn:pattern-never-matches:mixed');
    expect(findings.find((f) => f.code === 'pattern-never-matches')?.pointer).toBe(
      '/rules/1/tools/1',
    );
  });

  it('redundant rules: a stricter allow inside a weaker one, and a duplicate deny', () => {
    const findings = lintDoc([
      { id: 'reads', tools: ['get_.*'], effect: 'allow', scopes: ['mcp:tools:read'] },
      {
        id: 'weather',
        tools: ['get_weather'],
        effect: 'allow',
        scopes: ['mcp:tools:read', 'extra'],
      },
      { id: 'd1', tools: ['drop_.*'], effect: 'deny' },
      { id: 'd2', tools: ['drop_db'], effect: 'deny' },
    ]);
    expect(lintCodes(findings)).toContain('warn:allow-redundant:weather');
    expect(lintCodes(findings)).toContain('warn:deny-redundant:d2');
    expect(lintCodes(findings)).not.toContain('warn:allow-redundant:reads');
  });

  it('glob-looking patterns are flagged with the regex fix', () => {
    const findings = lintDoc([{ id: 'g', tools: ['read_*'], effect: 'allow', scopes: ['r'] }]);
    const glob = findings.find((f) => f.code === 'glob-like-pattern');
    expect(glob?.message).toContain('"read_.*"');
  });

  it('the command exits 1 on errors, 0 on warnings, 1 on warnings with --strict', async () => {
    const errors = await policyFile({
      version: 1,
      rules: [{ id: 'open', tools: ['.*'], effect: 'allow' }],
    });
    const e = await runCli(['policy', 'lint', errors]);
    expect(e.code).toBe(1);
    expect(e.stdout).toMatch(/error\s+open\s+allow-everything/);
    const warns = await policyFile({
      version: 1,
      rules: [{ id: 'w', tools: ['whoami'], effect: 'allow' }],
    });
    expect((await runCli(['policy', 'lint', warns])).code).toBe(0);
    expect((await runCli(['policy', 'lint', warns, '--strict'])).code).toBe(1);
    const json = JSON.parse((await runCli(['policy', 'lint', warns, '--json'])).stdout);
    expect(json).toMatchObject({ ok: true, rules: 1 });
    expect(json.findings[0]).toMatchObject({
      severity: 'warn',
      code: 'allow-without-scopes',
      pointer: '/rules/0',
    });
    const clean = await policyFile(createDefaultPolicies().toJSON() as PolicyDocument);
    const c = await runCli(['policy', 'lint', clean]);
    expect(c.code).toBe(0);
  });
});
