import { describe, expect, it } from 'vitest';
import { errorType, NOOP_SPAN, parseTraceContext, runInSpan } from './instrumentation.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('parseTraceContext (W3C Trace Context, from a header or an MCP _meta)', () => {
  it('accepts a version-00 traceparent (lower-cased) and keeps a short tracestate', () => {
    expect(parseTraceContext(`00-${TRACE}-${SPAN}-01`, 'congo=t61rcWkgMzE')).toEqual({
      traceparent: `00-${TRACE}-${SPAN}-01`,
      tracestate: 'congo=t61rcWkgMzE',
    });
    expect(parseTraceContext(`00-${TRACE.toUpperCase()}-${SPAN}-00`)?.traceparent).toBe(
      `00-${TRACE}-${SPAN}-00`,
    );
  });

  it('refuses malformed, all-zero, version ff, extra fields on 00, non-strings; drops a long tracestate', () => {
    for (const bad of [
      undefined,
      42,
      '',
      `00-${TRACE}-${SPAN}`,
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
      `00-${TRACE}z-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01${' '.repeat(300)}`,
    ])
      expect(parseTraceContext(bad), String(bad)).toBeUndefined();
    expect(
      parseTraceContext(`00-${TRACE}-${SPAN}-01`, 'x'.repeat(513))?.tracestate,
    ).toBeUndefined();
    // A later version may carry more fields; only the first four are used.
    expect(parseTraceContext(`01-${TRACE}-${SPAN}-01-more`)?.traceparent).toBe(
      `01-${TRACE}-${SPAN}-01`,
    );
  });
});

describe('runInSpan without instrumentation', () => {
  it('runs the function directly with the no-op span', () => {
    expect(runInSpan(undefined, 'mcp_auth.store', {}, (span) => span)).toBe(NOOP_SPAN);
    expect(NOOP_SPAN.traceId).toBeUndefined();
  });
});

describe('errorType', () => {
  it('the code when it is a short token, else the name, never the message', () => {
    expect(errorType(Object.assign(new Error('secret'), { code: 'ERR_JWT_EXPIRED' }))).toBe(
      'ERR_JWT_EXPIRED',
    );
    expect(errorType(new TypeError('secret'))).toBe('TypeError');
    expect(errorType({ code: 'has spaces and a secret', name: 'X' })).toBe('X');
    expect(errorType('secret')).toBe('unknown');
  });
});
