// The signed-in user's grants page (`GET/POST <base>/grants`, issue 16 item 4): what they
// granted, each revocable, all revocable at once, and sign-out. The session is the signed
// cookie set when a sign-in completes (session.ts); every POST carries a CSRF token bound to
// it, and a POST from another origin is refused. Strings come from the pages' dictionary
// (`grants.*`), the frame and branding from the pages' layout. No token is ever on the page.

import { isOAuthError } from '../errors/oauth-error.js';
import { parseFormBody } from '../http/form.js';
import type { HttpRequest, HttpResponse } from '../http/messages.js';
import type { GrantInfo, GrantManager } from '../tokens/grants.js';
import type { SessionCookies, Session } from './session.js';
import { html, htmlResponse, type SafeHtml } from './ui/html.js';
import { layout, type PageUi } from './ui/pages.js';
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
  readonly pages: PageRenderer;
  /** What the user signs in to (the resource's name), for the page's wording. */
  readonly serviceName: string;
}

type Notice = 'revoked' | 'revoked_all' | 'not_found';
const NOTICES: ReadonlySet<string> = new Set<Notice>(['revoked', 'revoked_all', 'not_found']);

// A date for every language alike: `2026-12-07 09:30 UTC`.
function formatDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function grantItem(grant: GrantInfo, ui: PageUi, form: (fields: SafeHtml) => SafeHtml): SafeHtml {
  const { t } = ui;
  const scopes = grant.scopes.length > 0 ? grant.scopes.join(' ') : t('grants.noScopes');
  return html`<div class="client grant" data-grant="${grant.grantId}">
<strong>${grant.clientName ?? t('client.unnamed')}</strong>
<code>${grant.clientId}</code>
<p class="muted">${t('grants.scopes', { scopes })}</p>
<p class="muted"><code>${grant.resource}</code></p>
<p class="muted">${t('grants.created', { date: formatDate(grant.createdAt) })} · ${
    grant.lastUsedAt === undefined
      ? t('grants.neverUsed')
      : t('grants.lastUsed', { date: formatDate(grant.lastUsedAt) })
  }</p>
${form(html`<input type="hidden" name="grant" value="${grant.grantId}">
<button type="submit" name="action" value="revoke">${t('grants.revoke')}</button>`)}
</div>`;
}

function noticeOf(ui: PageUi, notice: Notice | undefined): SafeHtml | '' {
  if (notice === undefined) return '';
  const key =
    notice === 'revoked'
      ? 'grants.revoked'
      : notice === 'revoked_all'
        ? 'grants.revokedAll'
        : 'grants.notFound';
  return html`<div class="warn" role="status">${ui.t(key)}</div>`;
}

/** The grants page's two handlers. @internal */
export function createGrantsPage(deps: GrantsPageDeps): {
  get(request: HttpRequest): Promise<HttpResponse>;
  post(request: HttpRequest): Promise<HttpResponse>;
} {
  const { path, session: cookies, pages, serviceName } = deps;

  const respond = (ui: PageUi, status: number, title: SafeHtml, body: SafeHtml, set?: string[]) =>
    htmlResponse(
      status,
      { nonce: ui.nonce, body: layout(ui, title, body) },
      {
        ...(set !== undefined ? { cookies: set } : {}),
        ...(ui.branding.logoSource !== undefined ? { imgSrc: [ui.branding.logoSource] } : {}),
      },
    );
  const uiFor = (request: HttpRequest) =>
    pages.ui(pages.locale(request.headers['accept-language']));

  const signedOut = (request: HttpRequest, clear: boolean): HttpResponse => {
    const ui = uiFor(request);
    const body = html`<div class="mark" aria-hidden="true">?</div>
<h1>${ui.t('grants.signedOut.title')}</h1>
<p>${ui.t('grants.signedOut.message', { service: serviceName })}</p>`;
    return respond(
      ui,
      200,
      ui.t('grants.signedOut.title'),
      body,
      clear ? [cookies.clear()] : undefined,
    );
  };

  const page = async (request: HttpRequest, user: Session): Promise<HttpResponse> => {
    const ui = uiFor(request);
    const { t } = ui;
    const grants = await deps.grants.list(user.userId);
    const csrf = await cookies.csrf(user);
    const form = (fields: SafeHtml) => html`<form method="post" action="${path}">
<input type="hidden" name="csrf" value="${csrf}">
${fields}
</form>`;
    const raw = request.url.searchParams.get('done') ?? '';
    const notice = NOTICES.has(raw) ? (raw as Notice) : undefined;
    const body = html`<div class="mark" aria-hidden="true">&#x2713;</div>
<h1>${t('grants.title')}</h1>
<p class="muted">${t('grants.intro', { service: serviceName })}</p>
<p class="muted">${t('grants.signedInAs', { user: html`<strong>${user.name}</strong>` })}</p>
${noticeOf(ui, notice)}
${grants.length === 0 ? html`<p>${t('grants.none')}</p>` : grants.map((g) => grantItem(g, ui, form))}
<div class="actions">
${
  grants.length > 1
    ? form(
        html`<button type="submit" name="action" value="revoke_all">${t('grants.revokeAll')}</button>`,
      )
    : ''
}
${form(html`<button type="submit" name="action" value="sign_out">${t('grants.signOut')}</button>`)}
</div>`;
    return respond(ui, 200, t('grants.title'), body);
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
    if (origin !== undefined && origin !== deps.origin) {
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
    if (action === 'sign_out') return signedOut(request, true);
    return back();
  }
}
