/**
 * Test harness for proxy mode: a real `oidc-provider` on a loopback port (the upstream IdP),
 * our authorization server on another loopback port through `toFetchHandler`, and a tiny
 * cookie-keeping "browser" built on `fetch` that never follows redirects by itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface Listening {
  server: Server;
  origin: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 port 0 and reads the port back. */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Listening> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves a Fetch handler over node:http (what an adapter would do). */
export function nodeBridge(
  origin: () => string,
  handler: (request: Request) => Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      }
      const method = req.method ?? 'GET';
      const request = new Request(`${origin()}${req.url ?? '/'}`, {
        method,
        headers,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      });
      const response = await handler(request);
      const out: Record<string, string | string[]> = {};
      response.headers.forEach((value, name) => {
        if (name !== 'set-cookie') out[name] = value;
      });
      const cookies = response.headers.getSetCookie();
      if (cookies.length > 0) out['set-cookie'] = cookies;
      res.writeHead(response.status, out);
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch(() => {
      res.statusCode = 500;
      res.end();
    });
  };
}

export interface UpstreamIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  provider: Provider;
  close(): Promise<void>;
}

/** A real OpenID Provider (oidc-provider 9) with one confidential client for our proxy. */
export async function startOidcProvider(redirectUri: () => string): Promise<UpstreamIdp> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const listening = await listen((req, res) => handler?.(req, res));
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'upstream-1' };
  const clientId = 'mcp-proxy';
  const clientSecret = 'upstream-client-secret-0123456789-abcdefghijkl';
  const provider = new Provider(listening.origin, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri()],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['oidc-provider-cookie-key-0123456789'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    async findAccount(_ctx: unknown, id: string) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: `${id}@upstream.test`,
            email_verified: true,
            name: `User ${id}`,
          };
        },
      };
    },
  });
  handler = provider.callback();
  return {
    issuer: listening.origin,
    clientId,
    clientSecret,
    provider,
    close: listening.close,
  };
}

/** A minimal browser: a cookie jar per origin, manual redirects, HTML form parsing. */
export class Browser {
  readonly #jar = new Map<string, Map<string, string>>();

  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const jar = this.#jar.get(target.origin) ?? new Map<string, string>();
    const headers = new Headers(init.headers);
    if (jar.size > 0) {
      headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
    this.#jar.set(target.origin, jar);
    return response;
  }

  /** Follows redirects until a non-redirect answer or a Location `stop` accepts. */
  async follow(
    url: string | URL,
    stop: (location: URL) => boolean = () => false,
    init: RequestInit = {},
  ): Promise<{ response: Response; url: URL; stoppedAt?: URL }> {
    let current = new URL(url);
    let response = await this.request(current, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location)
        return { response, url: current };
      const next = new URL(location, current);
      if (stop(next)) return { response, url: current, stoppedAt: next };
      current = next;
      response = await this.request(current);
    }
    throw new Error('too many redirects');
  }

  /** Submits the first form of an HTML page with `overrides` merged into its fields. */
  async submit(
    page: { html: string; url: URL },
    overrides: Record<string, string>,
    stop?: (location: URL) => boolean,
  ) {
    const form = parseForm(page.html);
    const action = new URL(form.action || page.url.href, page.url);
    const body = new URLSearchParams({ ...form.fields, ...overrides });
    return this.follow(action, stop, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  }
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The action and the submitted fields (hidden/text inputs, checked boxes) of the first form. */
export function parseForm(html: string): { action: string; fields: Record<string, string> } {
  const formTag = /<form\b[^>]*>/i.exec(html)?.[0] ?? '';
  const action = decodeEntities(/\baction="([^"]*)"/i.exec(formTag)?.[1] ?? '');
  const fields: Record<string, string> = {};
  const start = html.indexOf(formTag);
  const end = html.indexOf('</form>', start);
  for (const tag of html.slice(start, end).match(/<input\b[^>]*>/gi) ?? []) {
    const attr = (n: string) =>
      /\s/.test(tag) ? new RegExp(`\\b${n}="([^"]*)"`, 'i').exec(tag)?.[1] : undefined;
    const name = attr('name');
    if (!name) continue;
    const type = (attr('type') ?? 'text').toLowerCase();
    if (type === 'checkbox' && !/\bchecked\b/i.test(tag)) continue;
    fields[decodeEntities(name)] = decodeEntities(attr('value') ?? '');
  }
  return { action, fields };
}
