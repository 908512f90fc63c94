import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importKeyRing, type KeyRingDocument } from '@mcp-auth/core/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-auth-rotate-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const T0 = Date.parse('2026-12-07T09:00:00Z');
const MIN = 60_000;
const PRIVATE = /"(d|p|q|dp|dq|qi)"\s*:/;

async function ringAt(path: string): Promise<KeyRingDocument> {
  return JSON.parse(await readFile(path, 'utf8')) as KeyRingDocument;
}

describe('mcp-auth keys rotate: init → add-next → promote → retire', () => {
  it('walks the whole procedure, honours the timing rule, and never prints private keys', async () => {
    const f = (n: number) => join(dir, `ring-${n}.json`);
    const init = await runCli(['keys', 'rotate', 'init', '--out', f(1)], { now: T0 });
    expect(init.code).toBe(0);
    expect((await stat(f(1))).mode & 0o777).toBe(0o600);
    const r1 = await ringAt(f(1));
    expect(r1.keys.map((k) => k.status)).toEqual(['current']);
    expect(r1.keys[0]!.jwk.alg).toBe('ES256');
    const a = String(r1.keys[0]!.jwk.kid);

    const next = await runCli(
      ['keys', 'rotate', 'add-next', '--ring', f(1), '--out', f(2), '--kid', 'key-2', '--json'],
      { now: T0 + MIN },
    );
    expect(next.code).toBe(0);
    const summary = JSON.parse(next.stdout) as {
      keys: { kid: string; status: string }[];
      jwks: { keys: { kid: string }[] };
      advice: string;
    };
    expect(summary.keys.map((k) => [k.kid, k.status])).toEqual([
      [a, 'current'],
      ['key-2', 'next'],
    ]);
    expect(summary.jwks.keys.map((k) => k.kid)).toEqual([a, 'key-2']);
    expect(summary.advice).toContain('2026-12-07T09:16:00.000Z'); // + 15 min publish wait

    // Promote too early: refused, nothing written.
    const early = await runCli(['keys', 'rotate', 'promote', '--ring', f(2), '--out', f(3)], {
      now: T0 + 5 * MIN,
    });
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('2026-12-07T09:16:00.000Z');
    await expect(stat(f(3))).rejects.toThrow();

    const promote = await runCli(['keys', 'rotate', 'promote', '--ring', f(2), '--out', f(3)], {
      now: T0 + 16 * MIN,
    });
    expect(promote.code).toBe(0);
    const r3 = await ringAt(f(3));
    expect(r3.keys.map((k) => [k.jwk.kid, k.status])).toEqual([
      [a, 'retired'],
      ['key-2', 'current'],
    ]);
    // A retired key keeps only its public half in the file.
    expect(JSON.stringify(r3.keys[0]!.jwk)).not.toMatch(PRIVATE);
    const ring3 = await importKeyRing(r3);
    expect(ring3.current.kid).toBe('key-2');
    expect(ring3.retired?.map((k) => k.kid)).toEqual([a]);

    const retireEarly = await runCli(['keys', 'rotate', 'retire', '--ring', f(3), '--out', f(4)], {
      now: T0 + 30 * MIN,
    });
    expect(retireEarly.code).toBe(1);
    const retire = await runCli(
      ['keys', 'rotate', 'retire', '--ring', f(3), '--out', f(4), '--retire-after', '600'],
      { now: T0 + 30 * MIN },
    );
    expect(retire.code).toBe(0);
    expect((await ringAt(f(4))).keys.map((k) => k.jwk.kid)).toEqual(['key-2']);

    const status = await runCli(['keys', 'rotate', 'status', '--ring', f(4)], { now: T0 });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('key-2');
    expect(status.stdout).toContain('add-next');

    for (const r of [init, next, early, promote, retireEarly, retire, status]) {
      expect(r.stdout).not.toMatch(PRIVATE);
      expect(r.stderr).not.toMatch(PRIVATE);
    }
  });

  it('init --from keeps the present signing key (keys generate JSON), so issued tokens keep verifying', async () => {
    const key = join(dir, 'present-key.json');
    expect(
      (
        await runCli([
          'keys',
          'generate',
          '--alg',
          'ES256',
          '--kid',
          'present',
          '--json',
          '--out',
          key,
        ])
      ).code,
    ).toBe(0);
    const ring = join(dir, 'from-ring.json');
    const r = await runCli(['keys', 'rotate', 'init', '--from', key, '--out', ring]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(PRIVATE);
    const imported = await importKeyRing(await readFile(ring, 'utf8'));
    expect(imported.current.kid).toBe('present');
    const generated = JSON.parse(await readFile(key, 'utf8')) as { privateJwk: { d: string } };
    expect((await ringAt(ring)).keys[0]!.jwk.d).toBe(generated.privateJwk.d);
    // A public key, or --from on another step: exit 2.
    const pub = join(dir, 'public-only.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      pub,
      JSON.stringify((JSON.parse(await readFile(key, 'utf8')) as { publicJwk: unknown }).publicJwk),
    );
    expect(
      (await runCli(['keys', 'rotate', 'init', '--from', pub, '--out', join(dir, 'p.json')])).code,
    ).toBe(2);
    expect(
      (
        await runCli([
          'keys',
          'rotate',
          'add-next',
          '--ring',
          ring,
          '--from',
          key,
          '--out',
          join(dir, 'q.json'),
        ])
      ).code,
    ).toBe(2);
  });

  it('refuses misuse with exit 2: no --out, an overwrite, a second next, a broken ring', async () => {
    const ring = join(dir, 'misuse.json');
    expect((await runCli(['keys', 'rotate', 'init', '--out', ring])).code).toBe(0);
    expect((await runCli(['keys', 'rotate', 'add-next', '--ring', ring])).code).toBe(2);
    expect((await runCli(['keys', 'rotate', 'init', '--out', ring])).code).toBe(2); // exists
    const two = join(dir, 'misuse-2.json');
    expect((await runCli(['keys', 'rotate', 'add-next', '--ring', ring, '--out', two])).code).toBe(
      0,
    );
    const again = await runCli([
      'keys',
      'rotate',
      'add-next',
      '--ring',
      two,
      '--out',
      join(dir, 'misuse-3.json'),
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('promote it first');
    const bad = await runCli([
      'keys',
      'rotate',
      'status',
      '--ring',
      join(dir, 'does-not-exist.json'),
    ]);
    expect(bad.code).toBe(2);
    expect((await runCli(['keys', 'rotate', 'spin', '--ring', ring])).code).toBe(2);
    expect(
      (await runCli(['keys', 'rotate', 'retire', '--ring', ring, '--out', join(dir, 'x.json')]))
        .code,
    ).toBe(2);
  });
});
