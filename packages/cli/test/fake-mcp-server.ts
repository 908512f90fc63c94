import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSecretKey, generateSecret, type JwtKey } from '@mcp-auth/core';
import { decodeJwt, verifyJwt } from '@mcp-auth/core/jwt';

/** Defects a deliberately broken server can have (each maps to one doctor check). */
export interface FakeDefects {
  /** 401 without WWW-Authenticate resource_metadata (RFC 9728 §5.1). */
  noResourceMetadata?: boolean;
  /** Advertises and accepts PKCE plain. */
  plainAllowed?: boolean;
  /** AS metadata `issuer` differs from the issuer it is fetched for (RFC 8414 §3.3). */
  issuerMismatch?: boolean;
  /** Reads tokens from `?access_token=` (RFC 6750 §2.3). */
  acceptsQueryToken?: boolean;
  /** Redirect URIs compared by prefix, and auto-approves (no login). */
  looseRedirect?: boolean;
  /** Decodes tokens without verifying them. */
  acceptsAnyToken?: boolean;
  /** PRM `resource` with a different path. */
  resourceMismatch?: boolean;
  /** Registration accepts http:// redirect URIs on any host. */
  acceptsInsecureRedirect?: boolean;
  /** Ignores an `Mcp-Method` header that disagrees with the body (MCP 2026-07-28, SEP-2243). */
  ignoresHeaderMismatch?: boolean;
  /** Not a defect: speaks only 2025-era MCP and refuses protocol 2026-07-28 (as MCP SDK v1 does). */
  olderProtocolOnly?: boolean;
  /** Lists `offline_access` in the PRM `scopes_supported` (SEP-2207). */
  advertisesOfflineAccess?: boolean;
  /** Not a defect: answers authenticated requests with an event stream that stays open. */
  openEventStream?: boolean;
}

/** A small hand-written MCP server with an OAuth surface, conforming unless told otherwise. */
export interface FakeMcpServer {
  readonly url: string;
  readonly origin: string;
  /** Mints a valid access token for this server. */
  mint(): Promise<string>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

/** Starts the fake on 127.0.0.1, port 0. */
export async function startFakeMcpServer(defects: FakeDefects = {}): Promise<FakeMcpServer> {
  const secret = generateSecret();
  const key: JwtKey = await createSecretKey(secret);
  const clients = new Map<string, string[]>();
  let origin = '';
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        ...headers,
      });
      res.end(JSON.stringify(value));
    };
    const resource = `${origin}/mcp`;
    const prmUrl = `${origin}/.well-known/oauth-protected-resource/mcp`;
    const challenge = (error?: string) =>
      [
        'Bearer realm="mcp"',
        defects.noResourceMetadata ? undefined : `resource_metadata="${prmUrl}"`,
        'scope="mcp:tools:read"',
        error ? `error="${error}"` : undefined,
      ]
        .filter(Boolean)
        .join(', ');

    if (url.pathname === '/mcp' && req.method === 'POST') {
      const text = await body(req);
      const header = req.headers.authorization;
      let token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
      if (token === undefined && defects.acceptsQueryToken)
        token = url.searchParams.get('access_token') ?? undefined;
      if (token === undefined)
        return json(401, { error: 'unauthorized' }, { 'www-authenticate': challenge() });
      try {
        if (defects.acceptsAnyToken) decodeJwt(token);
        else await verifyJwt(token, key, { typ: 'at+jwt', audience: resource, issuer: origin });
      } catch {
        return json(
          401,
          { error: 'invalid_token' },
          { 'www-authenticate': challenge('invalid_token') },
        );
      }
      if (defects.olderProtocolOnly && req.headers['mcp-protocol-version'] === '2026-07-28')
        return json(400, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32000, message: 'Bad Request: Unsupported protocol version: 2026-07-28' },
        });
      const method = req.headers['mcp-method'];
      if (typeof method === 'string' && !defects.ignoresHeaderMismatch) {
        const message = JSON.parse(text) as { method?: unknown };
        if (message.method !== method)
          return json(400, { jsonrpc: '2.0', id: 1, error: { code: -32020, message: 'mismatch' } });
      }
      if (defects.openEventStream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n');
        return; // never ended
      }
      return json(200, {
        jsonrpc: '2.0',
        id: 1,
        result: { protocolVersion: '2025-06-18', capabilities: {} },
      });
    }
    if (url.pathname === '/.well-known/oauth-protected-resource/mcp' && req.method === 'GET') {
      return json(200, {
        resource: defects.resourceMismatch ? `${origin}/other` : resource,
        authorization_servers: [origin],
        scopes_supported: defects.advertisesOfflineAccess
          ? ['mcp:tools:read', 'offline_access']
          : ['mcp:tools:read'],
        bearer_methods_supported: defects.acceptsQueryToken ? ['header', 'query'] : ['header'],
      });
    }
    if (url.pathname === '/.well-known/oauth-authorization-server' && req.method === 'GET') {
      return json(200, {
        issuer: defects.issuerMismatch ? `${origin}/tenant` : origin,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        registration_endpoint: `${origin}/register`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: defects.plainAllowed ? ['S256', 'plain'] : ['S256'],
        authorization_response_iss_parameter_supported: true,
        token_endpoint_auth_methods_supported: ['none'],
      });
    }
    if (url.pathname === '/register' && req.method === 'POST') {
      let meta: { redirect_uris?: unknown };
      try {
        meta = JSON.parse(await body(req));
      } catch {
        return json(400, { error: 'invalid_client_metadata' });
      }
      const uris = Array.isArray(meta.redirect_uris) ? meta.redirect_uris.map(String) : [];
      const ok = uris.every((u) => {
        const p = new URL(u);
        return (
          p.protocol === 'https:' ||
          (p.protocol === 'http:' && (defects.acceptsInsecureRedirect || isLoopback(p.hostname)))
        );
      });
      if (uris.length === 0 || !ok) return json(400, { error: 'invalid_redirect_uri' });
      const id = `client-${clients.size + 1}`;
      clients.set(id, uris);
      return json(201, { client_id: id, redirect_uris: uris, token_endpoint_auth_method: 'none' });
    }
    if (url.pathname === '/authorize' && req.method === 'GET') {
      const p = url.searchParams;
      const registered = clients.get(p.get('client_id') ?? '');
      const redirect = p.get('redirect_uri') ?? '';
      const matches = registered?.some((r) =>
        defects.looseRedirect ? redirect.startsWith(r) : redirect === r,
      );
      if (!registered || !matches) {
        res.writeHead(400, { 'content-type': 'text/html' });
        return res.end('<h1>Invalid client or redirect URI</h1>');
      }
      const back = (params: Record<string, string>) => {
        const to = new URL(redirect);
        for (const [k, v] of Object.entries({
          ...params,
          state: p.get('state') ?? '',
          iss: origin,
        }))
          to.searchParams.set(k, v);
        res.writeHead(302, { location: to.href });
        res.end();
      };
      const method = p.get('code_challenge_method');
      if (
        !p.get('code_challenge') ||
        (method !== 'S256' && !(defects.plainAllowed && (method === 'plain' || method === null)))
      ) {
        return back({ error: 'invalid_request' });
      }
      if (defects.looseRedirect) return back({ code: 'auto-approved-code' });
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<form>login</form>');
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/mcp`,
    origin,
    mint: async () => {
      const { signJwt } = await import('@mcp-auth/core/jwt');
      const now = Math.floor(Date.now() / 1000);
      return signJwt(
        {
          iss: origin,
          sub: 'alice',
          aud: `${origin}/mcp`,
          exp: now + 300,
          iat: now,
          jti: 'j1',
          client_id: 'c',
          scope: 'mcp:tools:read',
        },
        key,
        { typ: 'at+jwt' },
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
