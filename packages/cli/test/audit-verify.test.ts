// `mcp-auth audit verify` on real audit files: written by core's chained trail through the Node
// file sink (across a restart), then edited, cut and reordered.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createFileAuditSink } from '@mcp-auth/core/audit-file';
import { createAuditTrail } from '@mcp-auth/core/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
let dir: string;
let intact: string;
let lines: string[];

/** Writes `count` events to `path` with a fresh trail (a new process, as far as the chain knows). */
async function writeEvents(path: string, count: number, offset: number): Promise<void> {
  const sink = createFileAuditSink(path);
  const trail = createAuditTrail({ sink, chain: true });
  for (let i = 0; i < count; i++)
    trail.record({
      type: 'decision',
      subject: `user-${offset + i}`,
      tool: 'get_weather',
      effect: i % 2 === 0 ? 'allow' : 'deny',
      code: i % 2 === 0 ? 'allowed' : 'insufficient_scope',
    });
  await trail.flush();
  await sink.close();
}

async function variant(name: string, content: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${content.join('\n')}\n`);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-auth-audit-cli-'));
  intact = join(dir, 'audit.jsonl');
  await writeEvents(intact, 3, 0);
  // A restart: the second trail resumes the chain from the file's last line.
  await writeEvents(intact, 2, 3);
  lines = (await readFile(intact, 'utf8')).trim().split('\n');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('mcp-auth audit verify', () => {
  it('an intact file (written across a restart): exit 0, the event count and the head', async () => {
    expect(lines).toHaveLength(5);
    const r = await runCli(['audit', 'verify', intact]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('5 events, chain intact');
    expect(r.stdout).toContain(`head ${JSON.parse(lines[4]!).hash}`);
    const json = await runCli(['audit', 'verify', intact, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: true,
      events: 5,
      head: JSON.parse(lines[4]!).hash,
    });
  });

  it('an edited line: exit 1 and that line number', async () => {
    const edited = [...lines];
    edited[4] = edited[4]!.replace('"effect":"deny"', '"effect":"allow"');
    expect(edited[4]).not.toBe(lines[4]);
    const r = await runCli(['audit', 'verify', await variant('edited.jsonl', edited)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 5: the line does not match its hash');
  });

  it('a removed line and reordered lines: exit 1 and the first bad line', async () => {
    const removed = await variant('removed.jsonl', [lines[0]!, lines[1]!, lines[3]!, lines[4]!]);
    const r1 = await runCli(['audit', 'verify', removed, '--json']);
    expect(r1.code).toBe(1);
    expect(JSON.parse(r1.stdout)).toEqual({
      ok: false,
      line: 3,
      problem: 'broken_link',
      events: 2,
    });
    const swapped = await variant('swapped.jsonl', [lines[1]!, lines[0]!, ...lines.slice(2)]);
    const r2 = await runCli(['audit', 'verify', swapped]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('line 1:');
  });

  it('--from continues a rotated file; an unreadable file is exit 2', async () => {
    const tail = await variant('tail.jsonl', lines.slice(2));
    expect((await runCli(['audit', 'verify', tail])).code).toBe(1);
    const from = JSON.parse(lines[1]!).hash as string;
    expect((await runCli(['audit', 'verify', tail, '--from', from])).code).toBe(0);
    expect((await runCli(['audit', 'verify', join(dir, 'missing.jsonl')])).code).toBe(2);
    expect((await runCli(['audit', 'verify', tail, '--from', 'nope'])).code).toBe(2);
  });

  it('the real bin: exit 1 and the line on an edited file', async () => {
    const edited = [...lines];
    edited[1] = edited[1]!.replace('user-1', 'user-9');
    const path = await variant('edited-bin.jsonl', edited);
    const args = [
      '--conditions=@mcp-auth/source',
      '--import',
      'tsx',
      join(root, 'packages/cli/src/bin.ts'),
      'audit',
      'verify',
      path,
    ];
    const failure = await promisify(execFile)(process.execPath, args, { cwd: root }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('line 2:');
    const ok = await promisify(execFile)(process.execPath, [...args.slice(0, -1), intact], {
      cwd: root,
    });
    expect(ok.stdout).toContain('chain intact');
  });
});
