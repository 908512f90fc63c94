/**
 * A tiny scripted "browser" for tests: it follows the authorization server's redirects,
 * keeps cookies, parses the HTML login and consent forms and submits them like a user would.
 * Adapters' contract suites use it to drive a real login + consent through their mounting.
 */

import { isExactLoopbackHost } from '../net/host.js';

/** Sends one request; e.g. `toFetchHandler(server)` or `(r) => fetch(r)` against a live server. */
export type FetchLike = (request: Request) => Promise<Response>;

/** A form as parsed from HTML. */
export interface ParsedForm {
  readonly action: string;
  readonly method: string;
  /** Hidden, text and password inputs: name → value. */
  readonly fields: ReadonlyMap<string, string>;
  /** Checkboxes with their value and whether they start ticked. */
  readonly checkboxes: readonly { name: string; value: string; checked: boolean }[];
  /** Submit buttons with a name. */
  readonly buttons: readonly { name: string; value: string }[];
  /** Names of password inputs. */
  readonly passwordFields: readonly string[];
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => {
    const e = entity.toLowerCase();
    if (e === 'amp') return '&';
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    const code = e.startsWith('#x')
      ? Number.parseInt(e.slice(2), 16)
      : Number.parseInt(e.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const inner = tag.replace(/^<[a-zA-Z]+/, '').replace(/\/?>$/, '');
  for (const m of inner.matchAll(re)) {
    out.set(m[1]!.toLowerCase(), decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return out;
}

/** Parses every `<form>` of an HTML page (enough for core's own pages). */
export function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const match of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const open = /^<form\b[^>]*>/i.exec(match[0])![0];
    const attrs = attributes(open);
    const fields = new Map<string, string>();
    const checkboxes: { name: string; value: string; checked: boolean }[] = [];
    const buttons: { name: string; value: string }[] = [];
    const passwordFields: string[] = [];
    for (const input of match[1]!.matchAll(/<input\b[^>]*>/gi)) {
      const a = attributes(input[0]);
      const name = a.get('name');
      if (!name) continue;
      const type = (a.get('type') ?? 'text').toLowerCase();
      if (type === 'checkbox') {
        checkboxes.push({ name, value: a.get('value') ?? 'on', checked: a.has('checked') });
      } else {
        if (type === 'password') passwordFields.push(name);
        fields.set(name, a.get('value') ?? '');
      }
    }
    for (const button of match[1]!.matchAll(/<button\b[^>]*>/gi)) {
      const a = attributes(button[0]);
      const name = a.get('name');
      if (name) buttons.push({ name, value: a.get('value') ?? '' });
    }
    forms.push({
      action: attrs.get('action') ?? '',
      method: (attrs.get('method') ?? 'get').toUpperCase(),
      fields,
      checkboxes,
      buttons,
      passwordFields,
    });
  }
  return forms;
}

/** A cookie jar for one origin: names → values, from `Set-Cookie` headers. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Takes the `Set-Cookie` headers of a response (Max-Age=0 deletes). */
  store(response: Response): void {
    const headers = response.headers as Headers & { getSetCookie?: () => string[] };
    const values = headers.getSetCookie?.() ?? [];
    for (const value of values) {
      const [pair = '', ...attrs] = value.split(';');
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const expired = attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, pair.slice(eq + 1).trim());
    }
  }

  /** The `Cookie` header value, or `undefined` when empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  }

  /** A cookie's value. */
  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }
}

/** Options of {@link authorizeWithForms}. */
export interface AuthorizeWithFormsOptions {
  /** Sends requests to the authorization server. */
  fetch: FetchLike;
  /** The full authorization request URL (`/authorize?...`). */
  authorizationUrl: string | URL;
  /** Credentials for the login form (local identity provider). */
  username?: string;
  password?: string;
  /** Scopes to untick on the consent page. */
  untick?: readonly string[];
  /** Press Allow (default) or Deny. */
  decision?: 'approve' | 'deny';
  /** A cookie jar to reuse across authorizations (e.g. to test remembered consent). */
  jar?: CookieJar;
  /**
   * Where the flow ends: a location starting with this is not followed. Default the
   * `redirect_uri` of the authorization URL.
   */
  redirectUri?: string;
}

/** What a scripted authorization ended with. */
export interface AuthorizeWithFormsResult {
  /** The final redirect to the client. */
  readonly redirect: URL;
  readonly code: string | undefined;
  readonly state: string | undefined;
  readonly iss: string | undefined;
  readonly error: string | undefined;
  /** Which pages were shown, in order (`login`, `consent`). */
  readonly pages: readonly ('login' | 'consent')[];
  /** Every response seen (status and headers), for header assertions. */
  readonly responses: readonly Response[];
}

/**
 * Runs an authorization like a browser: GET the authorization URL, follow redirects on the
 * server, fill the login form, submit the consent form (unticking `untick`), until the server
 * redirects to the client's redirect URI. Throws when a page is not a login or consent form.
 */
export async function authorizeWithForms(
  options: AuthorizeWithFormsOptions,
): Promise<AuthorizeWithFormsResult> {
  const jar = options.jar ?? new CookieJar();
  const start = new URL(options.authorizationUrl);
  const end = options.redirectUri ?? start.searchParams.get('redirect_uri') ?? undefined;
  const pages: ('login' | 'consent')[] = [];
  const responses: Response[] = [];
  let next: { url: URL; method: string; body?: string } = { url: start, method: 'GET' };
  let current = start;
  for (let step = 0; step < 12; step++) {
    const headers = new Headers();
    const cookie = jar.header();
    if (cookie) headers.set('cookie', cookie);
    if (next.body !== undefined) headers.set('content-type', 'application/x-www-form-urlencoded');
    const response = await options.fetch(
      new Request(next.url, {
        method: next.method,
        headers,
        redirect: 'manual',
        ...(next.body !== undefined ? { body: next.body } : {}),
      }),
    );
    responses.push(response);
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const target = new URL(location, current);
      if (
        (end && location.startsWith(stripPort(end, location))) ||
        target.origin !== start.origin
      ) {
        const p = target.searchParams;
        return {
          redirect: target,
          code: p.get('code') ?? undefined,
          state: p.get('state') ?? undefined,
          iss: p.get('iss') ?? undefined,
          error: p.get('error') ?? undefined,
          pages,
          responses,
        };
      }
      current = target;
      next = { url: target, method: 'GET' };
      continue;
    }
    const body = await response.text();
    if (response.status !== 200 && response.status !== 401) {
      throw new Error(
        `authorizeWithForms: unexpected status ${response.status} at ${current.pathname}`,
      );
    }
    const form = parseForms(body)[0];
    if (!form) throw new Error(`authorizeWithForms: no form at ${current.pathname}`);
    const fields = new URLSearchParams();
    for (const [name, value] of form.fields) fields.set(name, value);
    if (form.passwordFields.length > 0) {
      if (pages.includes('login') && response.status === 401) {
        throw new Error('authorizeWithForms: the login was refused');
      }
      pages.push('login');
      fields.set('username', options.username ?? '');
      fields.set(form.passwordFields[0]!, options.password ?? '');
    } else if (form.buttons.some((b) => b.name === 'decision')) {
      pages.push('consent');
      for (const box of form.checkboxes) {
        if (box.checked && !options.untick?.includes(box.value)) fields.append(box.name, box.value);
      }
      fields.set('decision', options.decision ?? 'approve');
    } else {
      throw new Error(`authorizeWithForms: unknown form at ${current.pathname}`);
    }
    const action = new URL(form.action, current);
    current = action;
    next = { url: action, method: form.method, body: fields.toString() };
  }
  throw new Error('authorizeWithForms: too many steps');
}

// Loopback redirect URIs may differ in port (RFC 8252 §7.3): `end` with its loopback scheme,
// host and port replaced by those of `location` when both are loopback (net/'s literal rule).
const HTTP_PREFIX = /^http:\/\/(\[[^\]/]*\]|[^/:?#[\]]*)(?::\d+)?/;
function stripPort(end: string, location: string): string {
  const m = HTTP_PREFIX.exec(location);
  const e = HTTP_PREFIX.exec(end);
  if (!m || !e || !isExactLoopbackHost(m[1]!) || !isExactLoopbackHost(e[1]!)) return end;
  return m[0] + end.slice(e[0].length);
}
