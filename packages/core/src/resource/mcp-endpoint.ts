// What the runtime-specific MCP endpoint guards (node-http.ts for Node requests, fetch-guard.ts
// for Fetch `Request`s) share: option checks, the JSON-RPC body parse and the order of the
// answers. Each guard only reads its runtime's request. Internal: not exported from the barrel.
import { PolicyEngine } from '../policy/engine.js';
import { isValidScopeToken } from '../policy/scopes.js';
import type { AuthResponse } from '../server/http.js';
import { errorResponse } from '../server/responses.js';
import type { AuthContext, TokenVerifier } from './auth-context.js';
import { createMcpGuard, type McpAuthInfo, type McpGuardDecision } from './mcp-guard.js';

/** Default cap on MCP JSON-RPC bodies: 4 MiB, as the MCP SDK's Streamable HTTP transport. */
export const DEFAULT_MAX_MCP_BODY_BYTES = 4 * 1024 * 1024;

/** Methods whose body the MCP endpoint guards never read. */
export const NO_BODY_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

/** Options every MCP endpoint guard takes (Node: `NodeMcpGuardOptions`, Fetch: `FetchMcpGuardOptions`). */
export interface McpEndpointGuardOptions {
  /** Turns the bearer token into an `AuthContext` (`server.tokenVerifier`, `createAccessTokenVerifier()`). */
  verifier: TokenVerifier;
  /** The tool policy `tools/call` requests are checked against. */
  policy: PolicyEngine;
  /** The RFC 9728 protected-resource metadata URL put in every challenge (`resource_metadata`). */
  resourceMetadataUrl: string | URL;
  /** Scopes advertised in 401 challenges besides the called tool's. */
  challengeScopes?: readonly string[];
  /** Scopes every request needs (403 step-up without them); also advertised in 401s. */
  requiredScopes?: readonly string[];
  /** Optional `realm` of the challenges. */
  realm?: string;
  /** Cap on JSON-RPC bodies, in bytes. Default 4 MiB (the MCP SDK's own limit). */
  maxBodyBytes?: number;
}

/** An MCP endpoint guard's answer, with core's {@link AuthResponse} for a refusal. */
export type McpEndpointOutcome =
  | {
      readonly ok: true;
      readonly auth: AuthContext;
      readonly authInfo: McpAuthInfo;
      readonly body: unknown;
    }
  | { readonly ok: false; readonly response: AuthResponse };

/** A request body read by a runtime guard: parsed JSON, or unparseable. */
export type ParsedJson = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

/** No body at all: an MCP request without JSON-RPC content (GET stream, DELETE). */
export const NO_JSON_BODY: ParsedJson = Object.freeze({ ok: true, value: undefined });

const JSON_RPC_PARSE_ERROR: AuthResponse = Object.freeze({
  status: 400,
  headers: Object.freeze({ 'content-type': 'application/json', 'cache-control': 'no-store' }),
  body: JSON.stringify({
    jsonrpc: '2.0',
    error: { code: -32700, message: 'Parse error' },
    id: null,
  }),
});

// One decoder for every request: constructing a TextDecoder costs more than decoding a typical
// JSON-RPC body. A non-streaming decode() starts from a clean state, also after a fatal error.
const jsonBodyDecoder = new TextDecoder('utf-8', { fatal: true });

/** Parses raw body bytes (or text) as JSON: empty → no body; invalid UTF-8 or JSON → not ok. */
export function parseJsonBody(raw: Uint8Array | string | undefined): ParsedJson {
  if (raw === undefined || raw.length === 0) return NO_JSON_BODY;
  try {
    const text = typeof raw === 'string' ? raw : jsonBodyDecoder.decode(raw);
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Throws TypeError unless `value` has `verify(token)`. */
export function checkVerifier(value: unknown, where: string): TokenVerifier {
  if (typeof (value as TokenVerifier | null)?.verify !== 'function') {
    throw new TypeError(
      `${where}: verifier must have verify(token), e.g. server.tokenVerifier or createAccessTokenVerifier()`,
    );
  }
  return value as TokenVerifier;
}

/** Throws TypeError unless `value` is undefined or an array of scope tokens. */
export function checkScopes(value: unknown, where: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isValidScopeToken)) {
    throw new TypeError(`${where} must be an array of scope strings such as ["mcp:tools:read"]`);
  }
  return Object.freeze([...value]);
}

/** Throws TypeError unless `value` is a string or URL (the middleware checks it further). */
export function checkResourceMetadataUrl(value: unknown, where: string): string | URL {
  if (value === undefined) {
    throw new TypeError(
      `${where}: resourceMetadataUrl is required (server.resourceMetadataUrl); MCP clients discover the authorization server through it`,
    );
  }
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw new TypeError(`${where}: resourceMetadataUrl must be an absolute http(s) URL`);
  }
  return value;
}

/** The runtime-independent part of an MCP endpoint guard, built once from checked options. */
export interface McpEndpointGuard {
  /** The body cap in bytes. */
  readonly maxBodyBytes: number;
  /**
   * Decides on a request whose body was read: authentication and the `tools/call` step-up
   * first (core's `createMcpGuard`), then — only for an authenticated caller — the JSON-RPC
   * parse error for a body that is not JSON.
   */
  decide(authorizationHeader: string | undefined, parsed: ParsedJson): Promise<McpEndpointOutcome>;
}

/**
 * Validates the options (TypeError naming the one to fix, prefixed with `where`) and builds
 * the shared decision of the MCP endpoint guards.
 */
export function createMcpEndpointGuard(
  options: McpEndpointGuardOptions,
  where: string,
): McpEndpointGuard {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `${where}: options are required ({ verifier, policy, resourceMetadataUrl })`,
    );
  }
  if (!(options.policy instanceof PolicyEngine)) {
    throw new TypeError(`${where}: policy must be a PolicyEngine (e.g. createDefaultPolicies())`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_MCP_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new TypeError(`${where}: maxBodyBytes must be a positive integer number of bytes`);
  }
  const requiredScopes = checkScopes(options.requiredScopes, `${where}: requiredScopes`);
  const challengeScopes = checkScopes(options.challengeScopes, `${where}: challengeScopes`);
  const guard = createMcpGuard(
    {
      verifier: checkVerifier(options.verifier, where),
      policy: options.policy,
      resourceMetadataUrl: checkResourceMetadataUrl(options.resourceMetadataUrl, where),
      challengeScopes: [...new Set([...challengeScopes, ...requiredScopes])],
      realm: options.realm,
    },
    { requiredScopes },
  );
  return {
    maxBodyBytes,
    decide(authorizationHeader, parsed) {
      return guard
        .check({ authorizationHeader, body: parsed.ok ? parsed.value : undefined })
        .then((decision) => toEndpointOutcome(decision, parsed));
    },
  };
}

function toEndpointOutcome(decision: McpGuardDecision, parsed: ParsedJson): McpEndpointOutcome {
  if (decision.kind !== 'ok') {
    return {
      ok: false,
      response: { status: decision.status, headers: decision.headers, body: decision.body },
    };
  }
  if (!parsed.ok) return { ok: false, response: JSON_RPC_PARSE_ERROR };
  return { ok: true, auth: decision.auth, authInfo: decision.authInfo, body: parsed.value };
}

/** A refusal outcome carrying core's answer for `error` (413, 400, 5xx…). */
export function failedOutcome(error: unknown): Extract<McpEndpointOutcome, { ok: false }> {
  return { ok: false, response: errorResponse(error) };
}
