import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authContextFromAuthInfo } from '@mcp-auth/core';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

/** Options of {@link McpSessions}. */
export interface McpSessionsOptions {
  /** Creates the MCP server of a new session. */
  createServer: () => McpServer;
  /** A session unused this long is closed. Default 30 minutes. */
  idleTimeoutMs?: number;
  /** At most this many open sessions; the least recently used is closed first. Default 1,000. */
  maxSessions?: number;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly server: McpServer;
  /** `<user>\n<client>`: a session answers only the caller who opened it. */
  readonly owner: string;
  lastSeen: number;
}

type AuthedRequest = IncomingMessage & { auth?: AuthInfo };

/**
 * Stateful Streamable HTTP: one `McpServer` + transport per MCP session (the SDK refuses to
 * reuse a stateless transport, and a server can be connected to one transport at a time), so
 * the server and its tools are built once per session, not once per request.
 *
 * A session is bound to the user and client that opened it (MCP security best practices:
 * session ids are not authentication); a request with someone else's session id gets the same
 * 404 as an unknown one. Every request is still authenticated and authorized on its own token.
 */
export class McpSessions {
  readonly #sessions = new Map<string, Session>();
  readonly #options: Required<McpSessionsOptions>;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: McpSessionsOptions) {
    this.#options = { idleTimeoutMs: 30 * 60_000, maxSessions: 1_000, ...options };
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(60_000, this.#options.idleTimeoutMs));
    this.#sweeper.unref();
  }

  /** Open sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Handles one authenticated request to the MCP endpoint (`req.auth` set by mcpGuard). */
  async handle(req: AuthedRequest, res: ServerResponse, body: unknown): Promise<void> {
    const auth = authContextFromAuthInfo(req.auth);
    if (!auth) {
      // mcpGuard runs first; reaching this means the app is mis-wired. Fail closed.
      writeJsonRpcError(res, 500, -32603, 'Internal error');
      return;
    }
    const owner = `${auth.userId}\n${auth.clientId}`;
    const header = req.headers['mcp-session-id'];
    if (typeof header === 'string') {
      const session = this.#sessions.get(header);
      if (!session || session.owner !== owner) {
        writeJsonRpcError(res, 404, -32001, 'Session not found');
        return;
      }
      session.lastSeen = Date.now();
      await session.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      writeJsonRpcError(res, 400, -32000, 'Bad Request: No valid session ID provided');
      return;
    }
    const server = this.#options.createServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.#sessions.set(id, { transport, server, owner, lastSeen: Date.now() });
        this.#evictOverflow();
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.#sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  /** Closes every session. */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.allSettled(sessions.map((s) => s.server.close()));
  }

  #sweep(): void {
    const cutoff = Date.now() - this.#options.idleTimeoutMs;
    for (const [id, session] of this.#sessions) {
      if (session.lastSeen < cutoff) this.#drop(id, session);
    }
  }

  #evictOverflow(): void {
    while (this.#sessions.size > this.#options.maxSessions) {
      let oldest: [string, Session] | undefined;
      for (const entry of this.#sessions) {
        if (!oldest || entry[1].lastSeen < oldest[1].lastSeen) oldest = entry;
      }
      if (!oldest) return;
      this.#drop(oldest[0], oldest[1]);
    }
  }

  #drop(id: string, session: Session): void {
    this.#sessions.delete(id);
    void session.server.close().catch(() => {});
  }
}

function writeJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
