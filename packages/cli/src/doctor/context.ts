import { isHttpsOrLoopbackUrl, readCapped } from '@mcp-auth/core/internal';
import { sanitize } from '../io.js';
import { parseJsonObject } from '../json.js';
import type { DoctorCheck, DoctorOptions } from './types.js';

/** What one HTTP request of the doctor led to (never throws). */
export type HttpResult =
  | {
      readonly ok: true;
      readonly status: number;
      readonly headers: Headers;
      readonly text: string;
    }
  | { readonly ok: false; readonly error: string };

/** Sends a request without following redirects; `readBody: false` drops the body unread. */
export type HttpFn = (
  url: URL | string,
  init?: RequestInit,
  readBody?: boolean,
) => Promise<HttpResult>;

/** What every group of checks shares: the target, the options, the HTTP helper and `add`. */
export interface DoctorContext {
  /** The MCP endpoint URL exactly as given (what `resource` must equal). */
  readonly input: string;
  /** The MCP endpoint, parsed (an http or https URL). */
  readonly mcpUrl: URL;
  readonly options: DoctorOptions;
  /** Records one check (checks are reported in the order they are added). */
  readonly add: (check: DoctorCheck) => void;
  /** Announces the next network step. */
  readonly progress: (step: string) => void;
  readonly http: HttpFn;
  /** POSTs an MCP `initialize` to `url`, optionally with an `Authorization` header. */
  readonly postInitialize: (url: URL, authorization?: string) => Promise<HttpResult>;
}

/** Largest body the doctor reads from any answer; the rest is cut. */
const MAX_BODY = 1024 * 1024;

/** The doctor's HTTP helper: manual redirects, a timeout per request, capped bodies. */
export function createHttp(fetchFn: typeof fetch, timeoutMs: number): HttpFn {
  return async (url, init = {}, readBody = true) => {
    try {
      const res = await fetchFn(url, {
        ...init,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!readBody) {
        // An accepted MCP request may answer with an event stream that stays open.
        await res.body?.cancel().catch(() => {});
        return { ok: true, status: res.status, headers: res.headers, text: '' };
      }
      const { bytes } = await readCapped(res.body, MAX_BODY);
      return { ok: true, status: res.status, headers: res.headers, text: decoder.decode(bytes) };
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        return { ok: false, error: `no answer within ${timeoutMs} ms` };
      }
      return {
        ok: false,
        error: `request failed (${sanitize(e.cause?.code ?? e.name ?? 'error', 40)})`,
      };
    }
  };
}

const decoder = new TextDecoder();

const INITIALIZE_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'mcp-auth-doctor', version: '0' },
  },
});

/** An MCP `initialize` POST through `http`, its (possibly streaming) answer left unread. */
export function postInitializeWith(http: HttpFn) {
  return (url: URL, authorization?: string): Promise<HttpResult> =>
    http(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(authorization === undefined ? {} : { authorization }),
        },
        body: INITIALIZE_BODY,
      },
      false,
    );
}

/** HTTPS, or plain HTTP on a loopback host (development), by core's loopback rule. */
export function isSecureUrl(url: URL): boolean {
  return isHttpsOrLoopbackUrl(url);
}

/** An absolute URL, or `undefined` for anything else. */
export function parseUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** How a metadata check is reported: its id, title and reference, and where it was found. */
export interface MetadataCheck {
  readonly id: string;
  readonly title: string;
  readonly reference: string;
  /** The detail when found at `from`. */
  readonly found: (from: URL) => string;
}

/**
 * Fetches the first candidate answering 200 with a JSON object and records `check`: a pass
 * saying where it was found, or a failure listing why each candidate was not it.
 */
export async function fetchMetadata(
  ctx: DoctorContext,
  candidates: readonly URL[],
  check: MetadataCheck,
): Promise<Record<string, unknown> | undefined> {
  const problems: string[] = [];
  let doc: Record<string, unknown> | undefined;
  let from: URL | undefined;
  for (const candidate of candidates) {
    const res = await ctx.http(candidate, { headers: { accept: 'application/json' } });
    if (!res.ok || res.status !== 200) {
      problems.push(`${candidate.pathname}: ${res.ok ? `HTTP ${res.status}` : res.error}`);
      continue;
    }
    doc = parseJsonObject(res.text);
    if (doc === undefined) {
      problems.push(`${candidate.pathname}: not a JSON object`);
      continue;
    }
    from = candidate;
    break;
  }
  ctx.add({
    id: check.id,
    title: check.title,
    status: doc !== undefined ? 'pass' : 'fail',
    detail:
      doc !== undefined && from !== undefined
        ? check.found(from)
        : `not found (${problems.join('; ')})`,
    reference: check.reference,
  });
  return doc;
}
