// The MCP guard's Node face: bearer authentication, the MCP endpoint guard and `mcpAuth()`'s
// wiring over a Node request. The Node conversion itself (request, response, the one body
// reader, the authorization server's routes) is `http/node.ts`.
import type { AuditRecorder } from '../observability/audit.js';
import type { Instrumentation } from '../observability/instrumentation.js';
import { InsufficientScopeError } from '../errors/oauth-error.js';
import type { AuthContext, TokenVerifier } from '../domain/auth-context.js';
import {
  createNodeAuthorizationHandler,
  isNodeBodyConsumed,
  type NodeAuthorizationHandler,
  type NodeAuthorizationServer,
  type NodeRequestLike,
  type NodeResponseLike,
  readNodeStream,
  reencodeNodeBody,
} from '../http/node.js';
import type { HttpResponse } from '../http/messages.js';
import { errorResponse } from '../http/responses.js';
import { PolicyEngine } from '../policy/engine.js';
import { checkScopes, scopeCovers } from '../policy/scopes.js';
import { extractBearerToken } from './bearer.js';
import {
  createMcpGuard,
  type McpAuthInfo,
  type McpGuardOptions,
  CREDENTIAL_HEADERS,
  type McpGuardRequest,
  toAuthInfo,
} from './mcp-guard.js';
import { McpResourceAuth } from './resource-auth.js';
import {
  type DpopRequiredMetadataServer,
  withDpopRequiredMetadata,
} from './dpop-required-metadata.js';
import type { ResourceDpopOptions } from '../tokens/dpop.js';
import { endpointDpop } from './dpop.js';

// Resource side: the MCP endpoint. Every decision is core's `createMcpGuard`; this only reads the
// Node request (headers first, the body only when the guard asks for it) and hands back its answer.

/** What {@link createNodeBearerAuth} resolves to. */
export type NodeAuthOutcome =
  | {
      readonly ok: true;
      /** The caller. */
      readonly auth: AuthContext;
      /** The MCP SDK `AuthInfo` to put on the request (`req.auth`), `extra.auth` = `auth`. */
      readonly authInfo: McpAuthInfo;
    }
  | {
      readonly ok: false;
      /** Core's answer, to write with {@link writeNodeResponse}. */
      readonly response: HttpResponse;
    };

/** What {@link createNodeMcpGuard} resolves to: the outcome plus the parsed JSON-RPC body. */
export type NodeGuardOutcome =
  | (Extract<NodeAuthOutcome, { ok: true }> & {
      /** The parsed JSON-RPC body (`undefined` without a body), for the MCP transport. */
      readonly body: unknown;
    })
  | Extract<NodeAuthOutcome, { ok: false }>;

/** Options of {@link createNodeBearerAuth}. */
export interface NodeBearerAuthOptions {
  /** Turns the bearer token into an `AuthContext` (`server.tokenVerifier`, `createAccessTokenVerifier()`). */
  verifier: TokenVerifier;
  /** The RFC 9728 protected-resource metadata URL put in every challenge (`resource_metadata`). */
  resourceMetadataUrl: string | URL;
  /** Scopes every request needs; a token without them gets 403 `insufficient_scope`. */
  requiredScopes?: readonly string[];
  /** Optional `realm` of the challenges. */
  realm?: string;
}

/** Options of {@link createNodeMcpGuard}: the guard's options (`McpGuardOptions`). */
export interface NodeMcpGuardOptions extends McpGuardOptions {}

/** What the Node MCP guard is given besides the request. */
export interface NodeGuardCallOptions {
  /**
   * A body another middleware already read, kept outside `req.body` (Koa:
   * `ctx.request.body`). Used only when the stream has been consumed.
   */
  preread?: unknown;
  /** The response: an allowed request gets the guard's headers (CORS) set on it before the MCP server writes. */
  response?: Pick<NodeResponseLike, 'setHeader'> & { readonly headersSent?: boolean };
}

/** A Node request's header by lower-case name (repeated values joined by `, `). */
function nodeHeader(request: NodeRequestLike, name: string): string | undefined {
  return headerValue(request.headers, name);
}

function headerValue(headers: NodeRequestLike['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined || typeof value === 'string') return value;
  return value.join(', ');
}

/**
 * Bearer authentication for a Node request (`requireAuth()` of the Node adapters). Reads the
 * token from the `Authorization` header only, verifies it and checks `requiredScopes`: 401 with
 * `WWW-Authenticate: Bearer resource_metadata="…"`, 403 `insufficient_scope`, 503 when the
 * store is down. It decides no tool call: use {@link createNodeMcpGuard} for an MCP endpoint.
 *
 * @throws TypeError at creation when an option is missing or malformed.
 */
export function createNodeBearerAuth(
  options: NodeBearerAuthOptions,
): (request: NodeRequestLike) => Promise<NodeAuthOutcome> {
  const where = 'requireAuth';
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options are required ({ verifier, resourceMetadataUrl })`);
  }
  const requiredScopes = checkScopes(options.requiredScopes ?? [], `${where}: requiredScopes`);
  if (options.resourceMetadataUrl === undefined)
    throw new TypeError(`${where}: resourceMetadataUrl is required (server.resourceMetadataUrl)`);
  const middleware = new McpResourceAuth({
    verifier: options.verifier,
    // No tool decisions here: only authentication and the challenges.
    policy: new PolicyEngine(),
    resourceMetadataUrl: options.resourceMetadataUrl,
    challengeScopes: requiredScopes,
    realm: options.realm,
  });
  return async (request) => {
    const header = nodeHeader(request, 'authorization');
    let auth: AuthContext;
    try {
      auth = await middleware.authenticateRequest(header);
    } catch (error) {
      return { ok: false, response: errorResponse(error) };
    }
    const missing = requiredScopes.filter((scope) => !scopeCovers(auth.scopes, scope));
    if (missing.length > 0) {
      const reason = 'The access token lacks a scope this endpoint requires';
      return {
        ok: false,
        response: errorResponse(
          new InsufficientScopeError(requiredScopes, reason, {
            headers: {
              'WWW-Authenticate': middleware.insufficientScopeChallenge(requiredScopes, reason),
            },
          }),
        ),
      };
    }
    return { ok: true, auth, authInfo: toAuthInfo(auth, extractBearerToken(header)) };
  };
}

/** Core's view of a Node request for the MCP guard: headers now, the body only on demand. */
function nodeGuardRequest(
  request: NodeRequestLike,
  preread: unknown,
): McpGuardRequest & { bodyRead: boolean; readonly headers: NodeRequestLike['headers'] } {
  // Read once: an Express request has a shape of its own, so every property read on it is slow.
  const headers = request.headers;
  return {
    bodyRead: false,
    headers,
    method: request.method ?? 'GET',
    header: (name) => headerValue(headers, name),
    // A data property, not a getter: an accessor in an object literal is defined by a runtime
    // call per request (~4,000 instructions), more than the list it would save computing.
    headerNames: Object.keys(headers),
    async readBody(maxBytes) {
      this.bodyRead = true;
      if (!isNodeBodyConsumed(request)) return readNodeStream(request, maxBytes);
      const parsed = preread ?? request.body;
      // A JSON parser (express.json(), koa-bodyparser) already ran: use its result as it is.
      if (typeof parsed === 'object' && parsed !== null && !(parsed instanceof Uint8Array))
        return { parsed };
      return reencodeNodeBody(parsed, request, maxBytes);
    },
  };
}

/**
 * Removes the verified credential from a request the guard lets through: its `headers` entries
 * become `undefined` (a `delete` would switch Node's header object to slow properties, which
 * costs every later read more than the removal saves) and its `rawHeaders` pairs go.
 */
function dropCredentials(request: NodeRequestLike, headers: Record<string, unknown>): void {
  let found = false;
  for (const name of CREDENTIAL_HEADERS) {
    if (headers[name] === undefined) continue;
    headers[name] = undefined;
    found = true;
  }
  // Node's own array (read-only in the request's type: only the guard edits it).
  const raw = request.rawHeaders as unknown;
  if (!found || !Array.isArray(raw)) return;
  for (let index = raw.length - 2; index >= 0; index -= 2) {
    const name = raw[index];
    if (typeof name === 'string' && CREDENTIAL_HEADERS.includes(name.toLowerCase()))
      raw.splice(index, 2);
  }
}

/** Unread bodies up to this size are drained to keep the connection; larger ones close it. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

/**
 * A refusal given without reading a large body that is still arriving carries `Connection: close`: to
 * keep the connection alive Node would otherwise read and discard the rest of it (up to the
 * whole upload, from a caller that never proved who it is); closing frees the socket at once.
 */
function closeOnUnreadBody(
  request: NodeRequestLike,
  outcome: Extract<NodeGuardOutcome, { ok: false }>,
): NodeGuardOutcome {
  const length = Number(nodeHeader(request, 'content-length') ?? '0');
  // A small body (an ordinary JSON-RPC message) is cheap to drain and keeps the connection for
  // the client's next request; only a large or unknown-length upload is cut off.
  const large =
    nodeHeader(request, 'transfer-encoding') !== undefined ||
    !Number.isFinite(length) ||
    length > DRAIN_LIMIT_BYTES;
  if (!large || request.complete === true || isNodeBodyConsumed(request)) return outcome;
  const { response } = outcome;
  return {
    ok: false,
    response: { ...response, headers: { ...response.headers, connection: 'close' } },
  };
}

/**
 * The MCP endpoint guard for Node (`mcpGuard()` of the Node adapters, fastmcp): core's
 * `createMcpGuard` over a Node request. The token is checked from the `Authorization` header
 * before the body is touched — an unauthenticated request gets its 401 and its body is never
 * read; then the body is read (capped, or taken from a body parser that already ran), and every
 * `tools/call` is decided at the edge: 403 step-up when scopes would help, the JSON-RPC denied
 * result otherwise. A refused call never reaches the MCP server.
 *
 * @throws TypeError at creation when an option is missing or malformed.
 */
export function createNodeMcpGuard(
  options: NodeMcpGuardOptions,
): (request: NodeRequestLike, callOptions?: NodeGuardCallOptions) => Promise<NodeGuardOutcome> {
  const guard = createMcpGuard(options, 'mcpGuard');
  const forward = options.forwardAuthorization === true;
  // Not `async`: one `then` on the guard's promise per request.
  return (request, callOptions) => {
    const guardRequest = nodeGuardRequest(request, callOptions?.preread);
    return guard.check(guardRequest).then((outcome): NodeGuardOutcome => {
      if (!outcome.ok) return guardRequest.bodyRead ? outcome : closeOnUnreadBody(request, outcome);
      if (!forward) dropCredentials(request, guardRequest.headers as Record<string, unknown>);
      const response = callOptions?.response;
      // A server that answered on its own meanwhile (fastmcp's 405 to a GET) gets no late headers.
      if (response !== undefined && response.headersSent !== true)
        for (const name in outcome.headers) response.setHeader(name, outcome.headers[name]!);
      return { ok: true, auth: outcome.auth, authInfo: outcome.authInfo, body: outcome.body };
    });
  };
}

/** Options of {@link createNodeMcpAuth}. */
export interface NodeMcpAuthOptions {
  /** The authorization server; its routes, `tokenVerifier`, `resource` and metadata URL are used. */
  server: NodeAuthorizationServer & {
    readonly resource: string;
    readonly resourceMetadataUrl: string;
    readonly tokenVerifier: TokenVerifier;
    /** The server's `instrumentation` and `audit`: the guard uses them too. */
    readonly instrumentation?: Instrumentation | undefined;
    readonly audit?: AuditRecorder | undefined;
    /** The server's DPoP settings (`createAuthorizationServer({ dpop })`), when on. */
    readonly dpop?: ResourceDpopOptions | undefined;
  };
  /** The tool policy every `tools/call` on the MCP endpoint is decided by (required: the guard fails closed). */
  policy: PolicyEngine;
  /** Scopes every MCP request needs (and that 401 challenges advertise). */
  requiredScopes?: readonly string[];
  /** Browser access to the MCP endpoint (allowed origins and hosts). */
  cors?: McpGuardOptions['cors'];
  /** Deepest JSON nesting accepted in an MCP body (default 64). */
  maxJsonDepth?: number;
  /** Tracing and metrics of the MCP endpoint; default the server's `instrumentation`. */
  instrumentation?: Instrumentation | undefined;
  /** The audit trail of decisions; default the server's `audit`. */
  audit?: AuditRecorder | undefined;
  /**
   * Require DPoP at the MCP endpoint (the server's `dpop` option must be on): `true` for every
   * client, or a function of the verified caller. Default `false` (Bearer and DPoP accepted).
   */
  dpopRequired?: boolean | ((auth: AuthContext) => boolean);
  /**
   * Leave the `Authorization` and `DPoP` headers on the requests the MCP endpoint lets through
   * (default `false`: removed once verified; the MCP server reads the caller from `req.auth`).
   * See {@link McpGuardOptions.forwardAuthorization}.
   */
  forwardAuthorization?: boolean;
}

/** Everything a Node adapter's `mcpAuth()` wires, framework-free. */
export interface NodeMcpAuth {
  /** The authorization server's endpoints (`.router` in the Express and Koa adapters). */
  readonly router: NodeAuthorizationHandler;
  /** Bearer authentication with the server's verifier (`requireAuth`), for other routes. */
  readonly authenticate: (request: NodeRequestLike) => Promise<NodeAuthOutcome>;
  /** The MCP endpoint guard (`createNodeMcpGuard`) with the server's verifier and URLs. */
  readonly protect: (
    request: NodeRequestLike,
    callOptions?: NodeGuardCallOptions,
  ) => Promise<NodeGuardOutcome>;
  /** The MCP endpoint's path: the path of the server's `resource` URL (e.g. `/mcp`). */
  readonly path: string;
}

/**
 * Wires one authorization server for a Node framework adapter's `mcpAuth()`: its routes, bearer
 * authentication and the MCP endpoint's guard, all from the server's own verifier and URLs.
 *
 * @throws TypeError when `server` is not a `createAuthorizationServer()` result, `policy` is
 * missing, or an option is malformed.
 */
export function createNodeMcpAuth(options: NodeMcpAuthOptions): NodeMcpAuth {
  const server = (options as Partial<NodeMcpAuthOptions> | undefined)?.server;
  if (typeof server?.resource !== 'string' || typeof server.resourceMetadataUrl !== 'string') {
    throw new TypeError('mcpAuth: server must be the result of createAuthorizationServer()');
  }
  if (!(options.policy instanceof PolicyEngine)) {
    throw new TypeError(
      'mcpAuth: policy is required (a PolicyEngine, e.g. createDefaultPolicies()): the MCP endpoint decides every tool call itself',
    );
  }
  const base = { verifier: server.tokenVerifier, resourceMetadataUrl: server.resourceMetadataUrl };
  const requiredScopes = options.requiredScopes ?? [];
  return {
    // Every client must use DPoP: the resource's metadata says so (RFC 9728 §2).
    router: createNodeAuthorizationHandler(
      options.dpopRequired === true && server.dpop !== undefined && hasResourceMetadata(server)
        ? withDpopRequiredMetadata(server)
        : server,
    ),
    authenticate: createNodeBearerAuth({ ...base, requiredScopes }),
    protect: createNodeMcpGuard({
      ...base,
      policy: options.policy,
      requiredScopes,
      cors: options.cors,
      maxJsonDepth: options.maxJsonDepth,
      ...endpointDpop(server.dpop, options.dpopRequired, 'mcpAuth'),
      instrumentation: options.instrumentation ?? server.instrumentation,
      audit: options.audit ?? server.audit,
      forwardAuthorization: options.forwardAuthorization,
    }),
    path: new URL(server.resource).pathname,
  };
}

// A createAuthorizationServer() result (tests may pass a bare route table).
function hasResourceMetadata(
  server: NodeMcpAuthOptions['server'],
): server is NodeMcpAuthOptions['server'] & DpopRequiredMetadataServer {
  return (
    typeof (server as Partial<DpopRequiredMetadataServer>).protectedResourceMetadata === 'function'
  );
}
