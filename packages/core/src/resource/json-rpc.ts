// What the MCP endpoint guard reads from a JSON-RPC body and writes back without the server:
// the bounded parse, the tool calls, the protocol era, the 2026-07-28 header rules, and the
// JSON-RPC answers the guard gives itself (parse error, header mismatch, a refused call).
// The JSON rule itself (UTF-8, depth cap, parse) is http/json.ts.

import { parseTraceContext, type TraceContextCarrier } from '../observability/instrumentation.js';
import type { HttpResponse } from '../http/messages.js';

import { decodeUtf8Strict, type ParsedJson, parseJson } from '../http/json.js';

export { DEFAULT_MAX_JSON_DEPTH, withinJsonDepth } from '../http/json.js';

/** JSON-RPC error code of a header that disagrees with the body (MCP 2026-07-28, SEP-2243). */
export const HEADER_MISMATCH_CODE = -32020;

/** The `_meta` key of a 2026-07-28 per-request envelope naming its protocol revision. */
const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';

/** The first protocol revision with stateless requests and the standard request headers. */
const FIRST_MODERN_REVISION = '2026-07-28';

/** A body as the guard reads it: parsed JSON, or a reason it is not acceptable JSON. */
export type ParsedBody = ParsedJson;

/** No body at all (GET stream, DELETE, an empty POST). */
export const NO_BODY: ParsedBody = Object.freeze({ ok: true, value: undefined });

/** Parses raw body bytes (or text): empty → no body; not UTF-8 / not JSON / too deep → not ok. */
export function parseJsonBody(raw: Uint8Array | string | undefined, maxDepth: number): ParsedBody {
  if (raw === undefined || raw.length === 0) return NO_BODY;
  return parseJson(raw, maxDepth);
}

/** One `tools/call` request of a body. */
export interface ToolCall {
  /** The JSON-RPC id (a notification-shaped call has none). */
  readonly id: string | number | null | undefined;
  readonly name: string;
  readonly args: Record<string, unknown> | undefined;
  /** The caller's W3C trace context from `params._meta` (SEP-414), when valid. */
  readonly traceContext?: TraceContextCarrier | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The `tools/call` requests in a JSON-RPC message or batch. A call whose `params.name` is not a
 * string is listed with the name `''`, which no policy allows: a malformed call is refused,
 * never let through unchecked.
 */
export function findToolCalls(body: unknown): ToolCall[] {
  const calls: ToolCall[] = [];
  const messages = Array.isArray(body) ? body : [body];
  for (const message of messages) {
    if (!isRecord(message) || message['method'] !== 'tools/call') continue;
    const params = isRecord(message['params']) ? message['params'] : {};
    const name = params['name'];
    const args = params['arguments'];
    const meta = params['_meta'];
    calls.push({
      id: requestId(message),
      name: typeof name === 'string' ? name : '',
      args: isRecord(args) ? args : undefined,
      traceContext: isRecord(meta)
        ? parseTraceContext(meta['traceparent'], meta['tracestate'])
        : undefined,
    });
  }
  return calls;
}

function requestId(message: Record<string, unknown>): string | number | null | undefined {
  const id = message['id'];
  return typeof id === 'string' || typeof id === 'number' || id === null ? id : undefined;
}

/** Reads one request header by its lower-case name. */
export type HeaderReader = (name: string) => string | undefined;

/** `'modern'`: protocol revision 2026-07-28 or later; `'legacy'`: the 2025 revisions. */
export type McpEra = 'modern' | 'legacy';

/**
 * The protocol era of a request: modern when the `MCP-Protocol-Version` header or the body's
 * per-request envelope (`params._meta["io.modelcontextprotocol/protocolVersion"]`) names
 * 2026-07-28 or later. Revisions are ISO dates, so they compare as strings.
 */
export function mcpEra(header: HeaderReader, body: unknown): McpEra {
  const version = header('mcp-protocol-version')?.trim();
  if (version !== undefined && version !== '') {
    return version >= FIRST_MODERN_REVISION ? 'modern' : 'legacy';
  }
  if (isRecord(body) && isRecord(body['params'])) {
    const meta = body['params']['_meta'];
    const claimed = isRecord(meta) ? meta[PROTOCOL_VERSION_META_KEY] : undefined;
    if (typeof claimed === 'string' && claimed >= FIRST_MODERN_REVISION) return 'modern';
  }
  return 'legacy';
}

/** The params field `Mcp-Name` mirrors, per method (MCP 2026-07-28 Streamable HTTP). */
const MCP_NAME_SOURCE: Readonly<Record<string, string>> = Object.freeze({
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
});

const BASE64_PREFIX = '=?base64?';
const BASE64_SUFFIX = '?=';
const BASE64_CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes an `Mcp-Name` / `Mcp-Param-*` value: a `=?base64?…?=` sentinel holds Base64 of UTF-8
 * text; anything else is the value itself. Undefined for a sentinel that is not canonical
 * Base64 of valid UTF-8 (the spec requires servers to refuse those).
 */
export function decodeMcpHeaderValue(value: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed.startsWith(BASE64_PREFIX) || !trimmed.endsWith(BASE64_SUFFIX)) return trimmed;
  const b64 = trimmed.slice(BASE64_PREFIX.length, trimmed.length - BASE64_SUFFIX.length);
  if (!BASE64_CANONICAL.test(b64)) return undefined;
  try {
    const binary = atob(b64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return decodeUtf8Strict(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The 2026-07-28 standard-header rule (SEP-2243): `Mcp-Method` and `Mcp-Name` must agree with
 * the body, and every `Mcp-Param-*` value must decode. Returns what disagrees, or undefined.
 * On a modern request `Mcp-Method` is required, and `Mcp-Name` whenever the body carries the
 * value it mirrors; on 2025-era traffic the headers are checked only when present. The guard's
 * decisions come from the body, never from a header; this only refuses requests whose
 * headers (which proxies and gateways route on) say something else.
 *
 * Whether an `Mcp-Param-*` value equals the argument its tool declares (`x-mcp-header`) needs
 * the tool's schema: the MCP SDK v2 server checks that itself.
 */
export function headerMismatch(
  header: HeaderReader,
  headerNames: readonly string[],
  body: unknown,
  era: McpEra,
): string | undefined {
  for (const name of headerNames) {
    if (!name.startsWith('mcp-param-')) continue;
    const value = header(name);
    if (value !== undefined && decodeMcpHeaderValue(value) === undefined)
      return `the ${name} header carries an invalid Base64 value`;
  }
  // Batches are 2025-era only and carry no per-message headers.
  if (!isRecord(body) || typeof body['method'] !== 'string' || !('id' in body)) return undefined;
  const method = body['method'];
  const methodHeader = header('mcp-method')?.trim();
  if (methodHeader === undefined) {
    if (era === 'modern') return `the body names method ${method} but Mcp-Method is absent`;
  } else if (methodHeader !== method) {
    return `the body names method ${method} but Mcp-Method names another`;
  }
  const field = Object.hasOwn(MCP_NAME_SOURCE, method) ? MCP_NAME_SOURCE[method] : undefined;
  if (field === undefined) return undefined;
  const params = body['params'];
  const bodyValue = isRecord(params) ? params[field] : undefined;
  const nameHeader = header('mcp-name');
  if (nameHeader === undefined) {
    return era === 'modern' && typeof bodyValue === 'string'
      ? `the body carries params.${field} but Mcp-Name is absent`
      : undefined;
  }
  const decoded = decodeMcpHeaderValue(nameHeader);
  if (decoded === undefined) return 'the Mcp-Name header carries an invalid Base64 value';
  if (typeof bodyValue === 'string' && decoded !== bodyValue)
    return `the body carries params.${field} but Mcp-Name names another`;
  return undefined;
}

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  'cache-control': 'no-store',
});

function jsonRpc(status: number, payload: unknown): HttpResponse {
  return { status, headers: JSON_HEADERS, body: JSON.stringify(payload) };
}

/** JSON-RPC parse error (HTTP 400, -32700), for a body that is not JSON or nests too deep. */
export function parseErrorResponse(reason: 'invalid' | 'too_deep', maxDepth: number): HttpResponse {
  const message =
    reason === 'too_deep'
      ? `Parse error: JSON nested deeper than ${maxDepth} levels`
      : 'Parse error';
  return jsonRpc(400, { jsonrpc: '2.0', id: null, error: { code: -32700, message } });
}

/** JSON-RPC header mismatch (HTTP 400, -32020). */
export function headerMismatchResponse(body: unknown, detail: string): HttpResponse {
  const id = isRecord(body) ? (requestId(body) ?? null) : null;
  return jsonRpc(400, {
    jsonrpc: '2.0',
    id,
    error: {
      code: HEADER_MISMATCH_CODE,
      message: `Bad Request: the request headers and body disagree: ${detail}`,
    },
  });
}

/** MCP `CallToolResult` for a refused call: `isError: true` and the reason as text. */
export interface DeniedToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  isError: true;
}

/**
 * The answer to a request the guard refuses itself, in the shape the client expects for that
 * call: each refused `tools/call` gets its `result` (the denied tool result; on 2026-07-28 with
 * `resultType: "complete"`), and in a batch every other request gets a JSON-RPC error saying it
 * did not run — so no element of a batch holding a refused call reaches the server.
 */
export function deniedCallsResponse(
  body: unknown,
  denied: ReadonlyMap<ToolCall, DeniedToolResult>,
  era: McpEra,
): HttpResponse {
  const answerFor = (call: ToolCall, result: DeniedToolResult) => ({
    jsonrpc: '2.0',
    id: call.id ?? null,
    result: era === 'modern' ? { ...result, resultType: 'complete' } : result,
  });
  if (!Array.isArray(body)) {
    const [call, result] = [...denied][0]!;
    return jsonRpc(200, answerFor(call, result));
  }
  const byId = new Map<unknown, [ToolCall, DeniedToolResult]>();
  for (const entry of denied) byId.set(entry[0].id, entry);
  const answers: unknown[] = [];
  for (const message of body) {
    if (!isRecord(message) || !('id' in message) || typeof message['method'] !== 'string') continue;
    const id = requestId(message);
    const entry = message['method'] === 'tools/call' ? byId.get(id) : undefined;
    if (entry !== undefined) answers.push(answerFor(entry[0], entry[1]));
    else
      answers.push({
        jsonrpc: '2.0',
        id: id ?? null,
        error: {
          code: -32600,
          message:
            'Not run: this batch holds a tool call the policy refused; send the requests separately',
        },
      });
  }
  return jsonRpc(200, answers);
}
