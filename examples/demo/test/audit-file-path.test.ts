// MCP_AUTH_AUDIT_FILE with a relative path: `pnpm demo` runs the demo in examples/demo, while
// the user (and `pnpm mcp-auth audit verify <path>`) are in the directory pnpm was started from
// (INIT_CWD). The README's `MCP_AUTH_AUDIT_FILE=audit.jsonl … demo` followed by
// `mcp-auth audit verify audit.jsonl` must name the same file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditFilePath, startDemoObservability } from '../src/observability.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the demo audit file path', () => {
  it('a relative MCP_AUTH_AUDIT_FILE is relative to where pnpm was started (INIT_CWD)', () => {
    expect(auditFilePath({ MCP_AUTH_AUDIT_FILE: 'audit.jsonl', INIT_CWD: '/work/repo' })).toBe(
      '/work/repo/audit.jsonl',
    );
    expect(auditFilePath({ MCP_AUTH_AUDIT_FILE: '/var/log/a.jsonl', INIT_CWD: '/x' })).toBe(
      '/var/log/a.jsonl',
    );
    expect(auditFilePath({ MCP_AUTH_AUDIT_FILE: 'a.jsonl' })).toBe(join(process.cwd(), 'a.jsonl'));
    expect(auditFilePath({ MCP_AUTH_AUDIT_FILE: ' ' })).toBeUndefined();
    expect(auditFilePath({})).toBeUndefined();
  });

  it('the trail is written there, and the banner names the absolute path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-auth-demo-audit-'));
    dirs.push(dir);
    const observability = await startDemoObservability({
      MCP_AUTH_AUDIT_FILE: 'audit.jsonl',
      INIT_CWD: dir,
    });
    const file = join(dir, 'audit.jsonl');
    try {
      expect(observability.summary.join('\n')).toContain(`Audit trail       ${file} (`);
      expect(observability.summary.join('\n')).toContain(`mcp-auth audit verify ${file})`);
      observability.audit?.record({ type: 'consent.given', subject: 'bob', clientId: 'c1' });
    } finally {
      await observability.close();
    }
    expect(await readFile(file, 'utf8')).toContain('"type":"consent.given"');
  });
});
