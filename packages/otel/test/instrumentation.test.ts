// @mcp-auth/otel through the real OpenTelemetry SDK (in-memory exporters): spans, parents
// (W3C traceparent from a header or MCP `_meta`), metrics, and core's wiring of the port into
// the store and the MCP guard (Fetch face).
import {
  createAccessTokenVerifier,
  createDefaultPolicies,
  createFetchMcpGuard,
  createSecretKey,
  MemoryStore,
} from '@mcp-auth/core';
import {
  type AuditEvent,
  createAuditTrail,
  instrumentStore,
  observePolicyDecisions,
  SPAN_NAMES,
} from '@mcp-auth/core/observability';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTelemetryCollector, type TelemetryCollector } from './collector.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
const SECRET = 'otel-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const ISSUER = 'https://as.example.test';
const RESOURCE = 'https://mcp.example.test/mcp';

let telemetry: TelemetryCollector;

beforeAll(() => {
  telemetry = createTelemetryCollector();
});
afterAll(async () => {
  await telemetry.close();
});
beforeEach(() => telemetry.reset());

describe('createOpenTelemetryInstrumentation: spans', () => {
  it('a span with a traceparent parent joins that trace; spans inside it are its children', async () => {
    const { instrumentation } = telemetry;
    const traceId = await instrumentation.inSpan(
      SPAN_NAMES.guard,
      { parent: { traceparent: TRACEPARENT }, attributes: { 'mcp.tool.name': 'x' } },
      async (span) => {
        await instrumentation.inSpan(SPAN_NAMES.store, {}, async () => 'inner');
        return span.traceId;
      },
    );
    expect(traceId).toBe(CALLER_TRACE);
    const spans = telemetry.spans();
    const outer = spans.find((s) => s.name === SPAN_NAMES.guard)!;
    const inner = spans.find((s) => s.name === SPAN_NAMES.store)!;
    expect(outer.spanContext().traceId).toBe(CALLER_TRACE);
    expect(outer.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(outer.attributes['mcp.tool.name']).toBe('x');
    expect(inner.spanContext().traceId).toBe(CALLER_TRACE);
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
  });

  it('an invalid traceparent is ignored (a new trace), a synchronous fn returns its value', () => {
    const value = telemetry.instrumentation.inSpan(
      SPAN_NAMES.policyDecision,
      { parent: { traceparent: `00-${'0'.repeat(32)}-${CALLER_SPAN}-01` } },
      () => 42,
    );
    expect(value).toBe(42);
    const [span] = telemetry.spans();
    expect(span!.spanContext().traceId).not.toBe('0'.repeat(32));
    expect(span!.parentSpanContext).toBeUndefined();
  });

  it('a failure is recorded by its type and code only, never its message', async () => {
    const failure = Object.assign(new Error('secret-token-value in a message'), {
      code: 'ERR_STORE_FULL',
    });
    await expect(
      telemetry.instrumentation.inSpan(SPAN_NAMES.store, {}, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    const [span] = telemetry.spans();
    expect(span!.status).toEqual({ code: 2, message: 'ERR_STORE_FULL' });
    expect(span!.attributes['error.type']).toBe('ERR_STORE_FULL');
    expect(await telemetry.exportedText()).not.toContain('secret-token-value');
  });
});

describe('observePolicyDecisions', () => {
  it('a decision made inside a span (an in-server check) carries the active trace id; subscribing twice records once', async () => {
    const events: AuditEvent[] = [];
    const audit = createAuditTrail({ sink: (event) => void events.push(event) });
    const policy = createDefaultPolicies();
    const observers = { audit, instrumentation: telemetry.instrumentation };
    observePolicyDecisions(policy, observers);
    observePolicyDecisions(policy, observers);
    const traceId = telemetry.instrumentation.inSpan(
      SPAN_NAMES.guard,
      { parent: { traceparent: TRACEPARENT } },
      (span) => {
        policy.evaluate({ tool: 'get_weather', scopes: ['mcp:tools:read'], subject: 'bob' });
        return span.traceId;
      },
    );
    await audit.flush();
    expect(traceId).toBe(CALLER_TRACE);
    expect(events).toEqual([
      expect.objectContaining({ type: 'decision', subject: 'bob', traceId: CALLER_TRACE }),
    ]);
  });
});

describe('instrumentStore', () => {
  it('one span per store call (operation and key namespace only), latency and errors as metrics', async () => {
    const memory = new MemoryStore();
    const store = instrumentStore(memory, telemetry.instrumentation);
    await store.set('tok:rt:SECRETHASH', { a: 1 }, 60_000);
    expect(await store.take('tok:rt:SECRETHASH')).toEqual({ a: 1 });
    await expect(store.set('as:client:c1', 1, -1)).rejects.toThrow(TypeError);
    const spans = telemetry.spans().filter((s) => s.name === SPAN_NAMES.store);
    expect(spans.map((s) => s.attributes['mcp_auth.store.operation'])).toEqual([
      'set',
      'take',
      'set',
    ]);
    expect(spans.map((s) => s.attributes['mcp_auth.store.namespace'])).toEqual([
      'tok:rt',
      'tok:rt',
      'as:client',
    ]);
    const metrics = await telemetry.metrics();
    const durations = metrics.get('mcp_auth.store.duration') ?? [];
    expect(durations.find((p) => p.attributes['mcp_auth.store.operation'] === 'take')?.value).toBe(
      1,
    );
    expect(metrics.get('mcp_auth.store.errors')).toContainEqual({
      attributes: { 'mcp_auth.store.operation': 'set', 'error.type': 'TypeError' },
      value: 1,
    });
    expect(await telemetry.exportedText()).not.toContain('SECRETHASH');
    // What the store has beyond the port still works through the wrapper.
    expect(store instanceof MemoryStore).toBe(true);
  });
});

describe('the MCP guard (Fetch face) with instrumentation and audit', () => {
  const key = createSecretKey(SECRET);
  const mint = (scope: string, sub = 'alice') =>
    new SignJWT({ scope, client_id: 'client-1' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(RESOURCE)
      .setSubject(sub)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));

  async function setup() {
    const events: AuditEvent[] = [];
    const audit = createAuditTrail({ sink: (event) => void events.push(event) });
    const guard = createFetchMcpGuard({
      verifier: createAccessTokenVerifier({ key: await key, issuer: ISSUER, audience: RESOURCE }),
      policy: createDefaultPolicies(),
      resourceMetadataUrl: 'https://mcp.example.test/.well-known/oauth-protected-resource/mcp',
      instrumentation: telemetry.instrumentation,
      audit,
    });
    return { guard, audit, events };
  }

  const call = (token: string | undefined, tool: string, meta?: Record<string, unknown>) =>
    new Request(RESOURCE, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: tool, arguments: {}, ...(meta ? { _meta: meta } : {}) },
      }),
    });

  it('the decision span is a child of the call _meta.traceparent (SEP-414); the audit event carries that trace id', async () => {
    const { guard, audit, events } = await setup();
    const token = await mint('mcp:tools:read');
    const outcome = await guard(call(token, 'get_weather', { traceparent: TRACEPARENT }));
    expect(outcome.ok).toBe(true);
    await audit.flush();
    const decision = telemetry.spans().find((s) => s.name === SPAN_NAMES.policyDecision)!;
    expect(decision.spanContext().traceId).toBe(CALLER_TRACE);
    expect(decision.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(decision.attributes).toMatchObject({
      'mcp.tool.name': 'get_weather',
      'mcp_auth.decision.effect': 'allow',
      'mcp_auth.decision.code': 'allowed',
    });
    const verify = telemetry.spans().find((s) => s.name === SPAN_NAMES.tokenVerify)!;
    expect(verify.attributes).toMatchObject({ 'mcp_auth.outcome': 'valid', 'enduser.id': 'alice' });
    expect(events).toEqual([
      expect.objectContaining({
        type: 'decision',
        tool: 'get_weather',
        effect: 'allow',
        subject: 'alice',
        clientId: 'client-1',
        traceId: CALLER_TRACE,
      }),
    ]);
    expect(await telemetry.exportedText()).not.toContain(token);
  });

  it('the guard span is a child of the HTTP traceparent header; 401s are counted by cause; step-ups by tool', async () => {
    const { guard } = await setup();
    const request = call(undefined, 'get_weather');
    request.headers.set('traceparent', TRACEPARENT);
    const missing = await guard(request);
    expect(missing.ok).toBe(false);
    const guardSpan = telemetry.spans().find((s) => s.name === SPAN_NAMES.guard)!;
    expect(guardSpan.spanContext().traceId).toBe(CALLER_TRACE);
    expect(guardSpan.attributes['http.response.status_code']).toBe(401);

    expect((await guard(call('not-a-jwt', 'get_weather'))).ok).toBe(false);
    const readOnly = await mint('mcp:tools:read');
    const stepUp = await guard(call(readOnly, 'send_email'));
    expect(stepUp.ok === false && stepUp.response.status).toBe(403);

    const metrics = await telemetry.metrics();
    const unauthorized = metrics.get('mcp_auth.unauthorized') ?? [];
    expect(unauthorized).toContainEqual({
      attributes: { 'mcp_auth.cause': 'missing_token' },
      value: expect.any(Number),
    });
    expect(unauthorized.map((p) => p.attributes['mcp_auth.cause'])).toContain('ERR_JWT_MALFORMED');
    expect(metrics.get('mcp_auth.step_ups')).toContainEqual({
      attributes: { 'mcp.tool.name': 'send_email' },
      value: expect.any(Number),
    });
    expect(metrics.get('mcp_auth.decisions')).toContainEqual({
      attributes: {
        'mcp.tool.name': 'send_email',
        'mcp_auth.decision.effect': 'deny',
        'mcp_auth.decision.code': 'insufficient_scope',
      },
      value: expect.any(Number),
    });
    expect(await telemetry.exportedText()).not.toContain(readOnly);
  });

  it('tool names no rule can match are counted under one label (callers cannot multiply series)', async () => {
    const { guard } = await setup();
    const token = await mint('mcp:tools:read');
    for (const name of ['no such tool 1', 'no such tool 2', '../etc/passwd'])
      expect((await guard(call(token, name))).ok).toBe(false);
    const decisions = (await telemetry.metrics()).get('mcp_auth.decisions') ?? [];
    const labels = new Set(decisions.map((p) => p.attributes['mcp.tool.name']));
    expect(labels).toContain('_unmatched');
    for (const name of ['no such tool 1', 'no such tool 2', '../etc/passwd'])
      expect(labels).not.toContain(name);
    // Nor as a span attribute: names outside the tool-name alphabet are not exported.
    const exported = await telemetry.exportedText();
    expect(exported).not.toContain('no such tool');
    expect(exported).not.toContain('etc/passwd');
  });
});
