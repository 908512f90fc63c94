import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_GENESIS,
  type AuditEvent,
  auditEventHash,
  canonicalJson,
  createAuditTrail,
  verifyAuditLog,
} from './audit.js';

/** A chained trail writing into an array of lines (the file format, without a file). */
function memoryTrail(start = new Date('2026-01-01T00:00:00Z')) {
  const lines: string[] = [];
  let tick = 0;
  const trail = createAuditTrail({
    chain: true,
    sink: { write: (line) => void lines.push(line) },
    now: () => new Date(start.getTime() + 1000 * tick++),
  });
  return { trail, lines };
}

async function threeEvents() {
  const { trail, lines } = memoryTrail();
  trail.record({ type: 'decision', subject: 'alice', tool: 'get_weather', effect: 'allow' });
  trail.record({
    type: 'token.issued',
    subject: 'bob',
    clientId: 'c1',
    grantType: 'authorization_code',
  });
  trail.record({
    type: 'decision',
    subject: 'bob',
    tool: 'send_email',
    effect: 'deny',
    code: 'insufficient_scope',
  });
  await trail.flush();
  return lines;
}

describe('canonicalJson', () => {
  it('sorts keys at every level, drops undefined members, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: undefined, b: null } })).toBe(
      '{"a":{"b":null,"d":[1,"x"]},"b":1}',
    );
  });
});

describe('createAuditTrail with chain', () => {
  it('links each event to the previous hash, the first to the genesis value; hash = SHA-256 of the canonical JSON without hash', async () => {
    const lines = await threeEvents();
    expect(lines).toHaveLength(3);
    const events = lines.map((line) => JSON.parse(line) as AuditEvent);
    expect(events[0]!.prev).toBe(AUDIT_GENESIS);
    expect(events[1]!.prev).toBe(events[0]!.hash);
    expect(events[2]!.prev).toBe(events[1]!.hash);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    for (const event of events) {
      const { hash, ...rest } = event;
      // node:crypto as the oracle for the documented format.
      expect(hash).toBe(createHash('sha256').update(canonicalJson(rest)).digest('hex'));
      expect(await auditEventHash(event)).toBe(hash);
    }
    expect(events[0]).toMatchObject({
      v: 1,
      type: 'decision',
      subject: 'alice',
      tool: 'get_weather',
      effect: 'allow',
      time: '2026-01-01T00:00:00.000Z',
    });
  });

  it('verifies an intact log and returns its head', async () => {
    const lines = await threeEvents();
    const result = await verifyAuditLog(`${lines.join('\n')}\n`);
    expect(result).toEqual({ ok: true, events: 3, head: JSON.parse(lines[2]!).hash });
  });

  it('detects an edited line (the first bad line number)', async () => {
    const lines = await threeEvents();
    lines[1] = lines[1]!.replace('"bob"', '"mallory"');
    expect(await verifyAuditLog(lines.join('\n'))).toEqual({
      ok: false,
      line: 2,
      problem: 'hash_mismatch',
      events: 1,
    });
  });

  it('detects an edit that recomputes the line own hash (the next line no longer links)', async () => {
    const lines = await threeEvents();
    const event = JSON.parse(lines[1]!) as Record<string, unknown>;
    event['subject'] = 'mallory';
    event['hash'] = await auditEventHash(event);
    lines[1] = canonicalJson(event);
    expect(await verifyAuditLog(lines.join('\n'))).toMatchObject({
      ok: false,
      line: 3,
      problem: 'broken_link',
    });
  });

  it('detects a deleted line, a deleted first line, and reordering', async () => {
    const lines = await threeEvents();
    expect(await verifyAuditLog([lines[0], lines[2]].join('\n'))).toMatchObject({
      ok: false,
      line: 2,
      problem: 'broken_link',
    });
    expect(await verifyAuditLog([lines[1], lines[2]].join('\n'))).toMatchObject({
      ok: false,
      line: 1,
      problem: 'broken_link',
    });
    expect(await verifyAuditLog([lines[0], lines[2], lines[1]].join('\n'))).toMatchObject({
      ok: false,
      line: 2,
      problem: 'broken_link',
    });
  });

  it('refuses unparsable and unchained lines', async () => {
    const lines = await threeEvents();
    expect(await verifyAuditLog(`${lines[0]}\n{not json`)).toMatchObject({
      ok: false,
      line: 2,
      problem: 'unparsable',
    });
    expect(await verifyAuditLog('{"type":"decision"}')).toMatchObject({
      ok: false,
      line: 1,
      problem: 'not_chained',
    });
  });

  it('continues a chain from the sink resume() head', async () => {
    const first = await threeEvents();
    const last = JSON.parse(first[2]!) as AuditEvent;
    const more: string[] = [];
    const trail = createAuditTrail({
      chain: true,
      sink: {
        write: (line) => void more.push(line),
        resume: async () => ({ hash: last.hash!, seq: last.seq }),
      },
    });
    trail.record({ type: 'consent.withdrawn', subject: 'alice', clientId: 'c1' });
    await trail.flush();
    expect(JSON.parse(more[0]!)).toMatchObject({ seq: 4, prev: last.hash });
    expect(await verifyAuditLog([...first, ...more].join('\n'))).toMatchObject({
      ok: true,
      events: 4,
    });
  });
});

describe('createAuditTrail', () => {
  it('without chain: events without prev/hash, to a callback', async () => {
    const events: AuditEvent[] = [];
    const trail = createAuditTrail({ sink: (event) => void events.push(event) });
    trail.record({ type: 'token.revoked', clientId: 'c1', detail: { tokenType: 'refresh_token' } });
    await trail.flush();
    expect(events).toHaveLength(1);
    expect(events[0]).not.toHaveProperty('prev');
    expect(events[0]).not.toHaveProperty('hash');
    expect(events[0]).toMatchObject({ v: 1, seq: 1, type: 'token.revoked' });
  });

  it('keeps only the documented fields, capped; a failing sink neither throws nor stops the trail', async () => {
    const written: AuditEvent[] = [];
    const errors: unknown[] = [];
    let fail = true;
    const trail = createAuditTrail({
      sink: (event) => {
        if (fail) {
          fail = false;
          throw new Error('disk full');
        }
        written.push(event);
      },
      onError: (error) => errors.push(error),
    });
    const input = {
      type: 'decision' as const,
      reason: 'x'.repeat(5000),
      extra: 'dropped',
      detail: { ok: 1, nested: { no: true } as unknown as string },
    };
    expect(() => trail.record(input)).not.toThrow();
    trail.record(input);
    await trail.flush();
    expect(errors).toHaveLength(1);
    expect(written).toHaveLength(1);
    expect(written[0]!.reason).toHaveLength(512);
    expect(written[0]).not.toHaveProperty('extra');
    expect(written[0]!.detail).toEqual({ ok: 1 });
  });

  it('a stalled sink: at most maxPending events wait, the rest are refused through onError; a throwing onError does not stop the trail', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const written: AuditEvent[] = [];
    const codes: unknown[] = [];
    const trail = createAuditTrail({
      maxPending: 2,
      sink: async (event) => {
        await gate;
        written.push(event);
      },
      onError: (error) => {
        codes.push((error as { code?: unknown }).code);
        throw new Error('handler failure');
      },
    });
    for (let i = 0; i < 4; i++) trail.record({ type: 'decision', subject: `u${i}` });
    expect(codes).toEqual(['ERR_AUDIT_BACKLOG', 'ERR_AUDIT_BACKLOG']);
    release();
    await trail.flush();
    expect(written.map((e) => e.subject)).toEqual(['u0', 'u1']);
    trail.record({ type: 'decision', subject: 'u4' });
    await trail.flush();
    expect(written.map((e) => e.subject)).toEqual(['u0', 'u1', 'u4']);
  });

  it('checks its options', () => {
    expect(() => createAuditTrail({ sink: 42 as never })).toThrow(TypeError);
  });
});
