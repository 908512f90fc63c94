// Traces, metrics and the audit trail of the demo (issue 16 items 1, 2), through the real
// OpenTelemetry SDK (in-memory exporters) and the official MCP SDK v2 client: an allowed call,
// a denial and a step-up; the caller's `_meta.traceparent` joins its trace; the audit file's
// hash chain verifies; and no credential appears in any span, metric or audit event.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileAuditSink } from '@mcp-auth/core/audit-file';
import {
  type AuditEvent,
  type AuditTrail,
  createAuditTrail,
  SPAN_NAMES,
  verifyAuditLog,
} from '@mcp-auth/core/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTelemetryCollector,
  type TelemetryCollector,
} from '../../../packages/otel/test/collector.js';
import { startTestDemo, type TestDemo, TestClient } from './harness.js';

const WRITE = 'mcp:tools:write';
const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

let t: TestDemo;
let telemetry: TelemetryCollector;
let audit: AuditTrail;
let sink: ReturnType<typeof createFileAuditSink>;
let dir: string;
let auditFile: string;
const clients: TestClient[] = [];
/** Every credential the clients held: none may appear in anything exported. */
const secrets = new Set<string>();

function remember(client: TestClient): void {
  const tokens = client.provider.tokens();
  for (const value of [tokens?.access_token, tokens?.refresh_token]) if (value) secrets.add(value);
  try {
    secrets.add(client.provider.codeVerifier());
  } catch {
    // No authorization in progress.
  }
  const secret = client.provider.clientInformation()?.client_secret;
  if (secret) secrets.add(secret);
  for (const { result } of client.authorizations) if (result.code) secrets.add(result.code);
}

beforeAll(async () => {
  telemetry = createTelemetryCollector();
  dir = await mkdtemp(join(tmpdir(), 'mcp-auth-audit-'));
  auditFile = join(dir, 'audit.jsonl');
  sink = createFileAuditSink(auditFile);
  audit = createAuditTrail({ sink, chain: true });
  t = await startTestDemo({ instrumentation: telemetry.instrumentation, audit });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await t?.demo.close();
  await audit?.flush();
  await sink?.close();
  await telemetry?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('demo observability: the official SDK v2 client through real OpenTelemetry exporters', () => {
  it('an allowed call, a denial and a step-up: spans, metrics and audit events for each', async () => {
    // bob first grants read only, then steps up to write for send_email.
    const bob = new TestClient(
      t.demo.mcpUrl,
      { username: 'bob', untick: [WRITE] },
      undefined,
      'v2',
    );
    clients.push(bob);
    await bob.connect();
    expect((await bob.call('get_weather', { city: 'Bern' })).isError).toBe(false);
    remember(bob);
    bob.script = { username: 'bob' };
    const sent = await bob.call('send_email', { to: 'carol@example.com', subject: 'Hi', body: '' });
    expect(sent.isError).toBe(false);
    remember(bob);
    // dave has every scope but the role viewer: delete_user is denied by attributes, in MCP.
    const dave = new TestClient(t.demo.mcpUrl, { username: 'dave' }, undefined, 'v2');
    clients.push(dave);
    await dave.connect();
    const denied = await dave.call('delete_user', { user_id: 'alice' });
    expect(denied.isError).toBe(true);
    remember(dave);

    const spans = telemetry.spans();
    const names = new Set(spans.map((s) => s.name));
    for (const name of [
      SPAN_NAMES.guard,
      SPAN_NAMES.tokenVerify,
      SPAN_NAMES.policyDecision,
      SPAN_NAMES.endpoint,
      SPAN_NAMES.tokenIssue,
      SPAN_NAMES.store,
    ])
      expect(names, name).toContain(name);
    const decisions = spans.filter((s) => s.name === SPAN_NAMES.policyDecision);
    const outcome = (tool: string) =>
      decisions
        .filter((s) => s.attributes['mcp.tool.name'] === tool)
        .map(
          (s) =>
            `${s.attributes['mcp_auth.decision.effect']}:${s.attributes['mcp_auth.decision.code']}`,
        );
    expect(outcome('get_weather')).toContain('allow:allowed');
    expect(outcome('send_email')).toEqual(
      expect.arrayContaining(['deny:insufficient_scope', 'allow:allowed']),
    );
    expect(outcome('delete_user').every((o) => o.startsWith('deny:'))).toBe(true);
    // Endpoints by route: registration, authorization, token.
    const routes = new Set(
      spans.filter((s) => s.name === SPAN_NAMES.endpoint).map((s) => s.attributes['http.route']),
    );
    expect(routes).toContain('/token');
    expect(routes).toContain('/authorize');
    // The store spans of a token request are its children (active context).
    const issue = spans.find((s) => s.name === SPAN_NAMES.tokenIssue)!;
    expect(
      spans.some(
        (s) =>
          s.name === SPAN_NAMES.store &&
          s.spanContext().traceId === issue.spanContext().traceId &&
          s.parentSpanContext?.spanId === issue.spanContext().spanId,
      ),
    ).toBe(true);

    const metrics = await telemetry.metrics();
    const count = (name: string, attributes: Record<string, unknown>) =>
      (metrics.get(name) ?? [])
        .filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
        .reduce((sum, p) => sum + p.value, 0);
    expect(
      count('mcp_auth.decisions', {
        'mcp.tool.name': 'get_weather',
        'mcp_auth.decision.effect': 'allow',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      count('mcp_auth.decisions', {
        'mcp.tool.name': 'delete_user',
        'mcp_auth.decision.effect': 'deny',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(count('mcp_auth.step_ups', { 'mcp.tool.name': 'send_email' })).toBe(1);
    expect(
      count('mcp_auth.unauthorized', { 'mcp_auth.cause': 'missing_token' }),
    ).toBeGreaterThanOrEqual(1);
    expect(count('mcp_auth.tokens.issued', { 'mcp_auth.grant_type': 'authorization_code' })).toBe(
      3,
    );
    expect(
      count('mcp_auth.store.duration', { 'mcp_auth.store.operation': 'take' }),
    ).toBeGreaterThan(0);

    await audit.flush();
    const events = (await readFile(auditFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEvent);
    const types = events.map((e) => e.type);
    expect(types).toContain('consent.given');
    expect(types.filter((type) => type === 'token.issued')).toHaveLength(3);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'decision',
        tool: 'delete_user',
        subject: 'dave',
        effect: 'deny',
        ruleId: expect.any(String),
        reason: expect.any(String),
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'decision', tool: 'send_email', code: 'insufficient_scope' }),
    );
    // One event per decision: the guard decided the allowed calls at the edge, the in-server
    // check did not record them again.
    const weather = events.filter((e) => e.type === 'decision' && e.tool === 'get_weather');
    expect(weather).toHaveLength(1);
  });

  it("the caller's _meta.traceparent (SEP-414) joins the decision to the caller's trace, and the audit event carries that trace id", async () => {
    const carol = new TestClient(t.demo.mcpUrl, { username: 'carol' }, undefined, 'v2');
    clients.push(carol);
    await carol.connect();
    remember(carol);
    const client = carol.client as unknown as {
      callTool(params: Record<string, unknown>): Promise<{ isError?: boolean }>;
    };
    const result = await client.callTool({
      name: 'get_weather',
      arguments: { city: 'Oslo' },
      _meta: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    });
    expect(result.isError).not.toBe(true);
    const decision = telemetry
      .spans()
      .find(
        (s) => s.name === SPAN_NAMES.policyDecision && s.spanContext().traceId === CALLER_TRACE,
      );
    expect(decision?.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(decision?.attributes['enduser.id']).toBeUndefined();
    await audit.flush();
    const text = await readFile(auditFile, 'utf8');
    expect(text).toContain(`"traceId":"${CALLER_TRACE}"`);
    expect(t.logs.some((line) => line.includes(`trace=${CALLER_TRACE}`))).toBe(true);
  });

  it('the audit file is one intact hash chain', async () => {
    await audit.flush();
    const result = await verifyAuditLog(await readFile(auditFile, 'utf8'));
    expect(result.ok).toBe(true);
    expect(result.ok && result.events).toBeGreaterThan(5);
  });

  it('no token, code, verifier or secret in any span, event, metric or audit line', async () => {
    expect(secrets.size).toBeGreaterThanOrEqual(6);
    const exported = await telemetry.exportedText();
    const auditText = await readFile(auditFile, 'utf8');
    for (const secret of secrets) {
      expect(exported.includes(secret)).toBe(false);
      expect(auditText.includes(secret)).toBe(false);
      // Not even the signature part of a JWT. Only of a JWT: a PKCE verifier may hold dots too
      // (RFC 7636's alphabet has `.`), and a short piece of one turns up anywhere by chance.
      const jwt = /^eyJ[\w-]+\.[\w-]+\.([\w-]+)$/.exec(secret);
      if (jwt !== null) expect(exported.includes(jwt[1]!)).toBe(false);
    }
  });
});

describe('demo observability from the environment, as a real process', () => {
  it('OTEL_TRACES_EXPORTER=console prints spans; MCP_AUTH_AUDIT_FILE writes a chain that verifies; both in the banner', {
    timeout: 90_000,
  }, async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const file = join(dir, 'process-audit.jsonl');
    // The demo's `start` script (tsx with the source condition), without needing pnpm on PATH.
    const server = join(root, 'examples/demo/src/server.ts');
    const args = ['--conditions=@mcp-auth/source', '--import', 'tsx', server];
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: {
        ...process.env,
        PORT: '0',
        FORCE_COLOR: '0',
        OTEL_TRACES_EXPORTER: 'console',
        MCP_AUTH_AUDIT_FILE: file,
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const waitFor = (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in:\n${out}`)), 30_000);
        const check = () => {
          const match = out.match(pattern);
          if (match) {
            clearTimeout(timer);
            resolve(match);
          }
        };
        child.stdout?.on('data', check);
        child.stderr?.on('data', check);
        check();
      });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    try {
      const [, mcpUrl] = await waitFor(/connect MCP clients to (http:\/\/localhost:\d+\/mcp)/);
      await waitFor(/Ctrl\+C stops/);
      expect(out).toContain('OpenTelemetry     traces console');
      expect(out).toContain(`Audit trail       ${file}`);
      const alice = new TestClient(mcpUrl!, { username: 'alice' }, undefined, 'v2');
      try {
        await alice.connect();
        expect((await alice.call('get_weather', { city: 'Quito' })).isError).toBe(false);
        remember(alice);
      } finally {
        await alice.close();
      }
      await waitFor(/name: 'mcp_auth\.policy\.decision'/);
      expect(out).toContain("name: 'mcp_auth.token.verify'");
      // The audit line is written right after the decision; poll the file briefly.
      let text = '';
      for (let i = 0; i < 50 && !text.includes('"type":"decision"'); i++) {
        text = await readFile(file, 'utf8').catch(() => '');
        if (!text.includes('"type":"decision"')) await new Promise((r) => setTimeout(r, 100));
      }
      expect(text).toContain('"tool":"get_weather"');
      expect(await verifyAuditLog(text)).toMatchObject({ ok: true });
      for (const secret of secrets) {
        expect(out.includes(secret)).toBe(false);
        expect(text.includes(secret)).toBe(false);
      }
    } finally {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
  });
});
