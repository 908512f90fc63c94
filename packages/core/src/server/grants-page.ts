// The signed-in user's grants page (`GET/POST <base>/grants`, issue 16 item 4): what they
// granted, each revocable, all revocable at once, and sign-out. The session is the signed
// cookie set when a sign-in completes (session.ts); every POST carries a CSRF token bound to
// it, and a POST from another origin is refused. The page is the pages' renderer's (`grants`:
// dictionary strings, branding, custom template). No token is ever on the page.

import { isOAuthError } from '../errors/oauth-error.js';
import { parseFormBody } from '../http/form.js';
import type { HttpRequest, HttpResponse } from '../http/messages.js';
import type { GrantManager } from '../tokens/grants.js';
import type { SessionCookies, Session } from './session.js';
import type { PageRenderer } from './ui/template.js';

/** What the grants page needs from the server. @internal */
export interface GrantsPageDeps {
  /** The page's path (`<base>/grants`). */
  readonly path: string;
  /** The server's origin: a POST with another `Origin` is refused. */
  readonly origin: string;
  readonly session: SessionCookies;
  /** The server's grant management (revoking also forgets the remembered consent). */
  readonly grants: Pick<GrantManager, 'list' | 'revoke' | 'revokeAll'>;
  /** Renders the page (built-in or `consent.template`, with branding and language). */
  readonly pages: PageRenderer;
  /** What the user signs in to (the resource's name), for the page's wording. */
  readonly serviceName: string;
}

type Notice = 'revoked' | 'revoked_all' | 'not_found';
const NOTICES: ReadonlySet<string> = new Set<Notice>(['revoked', 'revoked_all', 'not_found']);

/** The grants page's two handlers. @internal */
export function createGrantsPage(deps: GrantsPageDeps): {
  get(request: HttpRequest): Promise<HttpResponse>;
  post(request: HttpRequest): Promise<HttpResponse>;
} {
  const { path, session: cookies, pages, serviceName } = deps;
  const localeOf = (request: HttpRequest) => pages.locale(request.headers['accept-language']);

  const signedOut = (request: HttpRequest, clear: boolean): Promise<HttpResponse> =>
    pages.grants(
      localeOf(request),
      { action: path, serviceName, user: undefined, csrf: undefined, grants: [] },
      { status: 200, ...(clear ? { cookies: [cookies.clear()] } : {}) },
    );

  const page = async (request: HttpRequest, user: Session): Promise<HttpResponse> => {
    const grants = await deps.grants.list(user.userId);
    const raw = request.url.searchParams.get('done') ?? '';
    return pages.grants(
      localeOf(request),
      {
        action: path,
        serviceName,
        user: user.name,
        csrf: await cookies.csrf(user),
        grants: grants.map((g) => ({
          grantId: g.grantId,
          clientName: g.clientName,
          clientId: g.clientId,
          scopes: g.scopes,
          resource: g.resource,
          createdAt: g.createdAt,
          lastUsedAt: g.lastUsedAt,
        })),
        notice: NOTICES.has(raw) ? (raw as Notice) : undefined,
      },
      { status: 200 },
    );
  };

  const back = (notice?: Notice, set?: string[]): HttpResponse => ({
    status: 303,
    headers: {
      location: notice === undefined ? path : `${path}?done=${notice}`,
      'cache-control': 'no-store',
      ...(set !== undefined ? { 'set-cookie': set } : {}),
    },
  });

  // A store error (503) or a malformed form (400): the pages' error page, never a stack.
  const failed = (request: HttpRequest, error: unknown) => {
    const locale = pages.locale(request.headers['accept-language']);
    return isOAuthError(error)
      ? pages.error(locale, error.code, { status: error.status, headers: error.headers })
      : pages.error(locale, 'server_error', { status: 500 });
  };

  return {
    get: (request) => get(request).catch((error: unknown) => failed(request, error)),
    post: (request) => post(request).catch((error: unknown) => failed(request, error)),
  };

  async function get(request: HttpRequest): Promise<HttpResponse> {
    const user = await cookies.read(request.headers['cookie']);
    if (user === undefined) return signedOut(request, false);
    return page(request, user);
  }

  async function post(request: HttpRequest): Promise<HttpResponse> {
    // Same origin only (browsers send Origin on every POST); then the session, then the body.
    const origin = request.headers['origin'];
    // `null` is what a browser sends from our own page: it carries `Referrer-Policy:
    // no-referrer`, which serializes a POST's Origin as `null` (Fetch §3.2.5); the CSRF token
    // bound to the SameSite=Lax session still guards it.
    if (origin !== undefined && origin !== 'null' && origin !== deps.origin) {
      return pages.error(pages.locale(request.headers['accept-language']), 'csrf', {
        status: 403,
      });
    }
    const user = await cookies.read(request.headers['cookie']);
    if (user === undefined) return signedOut(request, false);
    const form = parseFormBody(request);
    if (!(await cookies.checkCsrf(user, form.get('csrf')))) {
      return pages.error(pages.locale(request.headers['accept-language']), 'csrf', {
        status: 403,
      });
    }
    const action = form.get('action');
    if (action === 'revoke') {
      const grantId = form.get('grant') ?? '';
      if (grantId.length === 0 || grantId.length > 256) return back('not_found');
      return back((await deps.grants.revoke(user.userId, grantId)) ? 'revoked' : 'not_found');
    }
    if (action === 'revoke_all') {
      await deps.grants.revokeAll(user.userId);
      return back('revoked_all');
    }
    if (action === 'sign_out') {
      await cookies.end(user);
      return signedOut(request, true);
    }
    return back();
  }
}
