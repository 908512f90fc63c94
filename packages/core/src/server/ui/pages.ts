import { revealInvisible } from '../../encoding/unicode.js';
import { isLoopbackHostname } from '../../net/host.js';
import type { CheckedBranding } from './branding.js';
import { html, type SafeHtml, trusted } from './html.js';
import type { Translate } from './i18n.js';

const STYLES = `
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--text:#1a1d23;--muted:#5b6270;--border:#d9dce3;--accent:#2453d6;--accent-text:#fff;--danger:#b3261e;--danger-bg:#fdecea;--warn-bg:#fff6e0;--warn:#7a5200;--focus:#1a4fd6}
@media (prefers-color-scheme:dark){:root{--bg:#14161a;--card:#1d2026;--text:#eceef2;--muted:#a3a9b5;--border:#353a44;--accent:#7ea2ff;--accent-text:#0d1020;--danger:#ffb4ab;--danger-bg:#3b1512;--warn-bg:#33290f;--warn:#f2cf7a;--focus:#9bb8ff}}
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:16px;line-height:1.5;background:var(--bg);color:var(--text)}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;padding:48px 16px}
main{width:100%;max-width:440px;background:var(--card);border:1px solid var(--border);border-radius:14px;padding:32px 28px;box-shadow:0 1px 2px rgba(0,0,0,.04),0 8px 24px rgba(0,0,0,.06)}
h1{font-size:1.375rem;line-height:1.3;margin:0 0 8px}
p{margin:0 0 16px}
.muted{color:var(--muted);font-size:.9375rem}
.mark{display:inline-flex;align-items:center;justify-content:center;width:40px;height:40px;border-radius:10px;background:var(--accent);color:var(--accent-text);font-weight:700;margin-bottom:16px}
.mark.error{background:var(--danger)}
.client{border:1px solid var(--border);border-radius:10px;padding:12px 14px;margin:0 0 20px}
.client strong{display:block;word-break:break-word}
.client strong.host{display:inline;font-size:1.0625rem}
.client code,.detail code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875rem;word-break:break-all}
label{display:block;font-weight:600;margin:0 0 6px}
input[type=text],input[type=password]{display:block;width:100%;font:inherit;padding:10px 12px;border:1px solid var(--border);border-radius:8px;background:transparent;color:inherit;margin:0 0 16px}
fieldset{border:0;padding:0;margin:0 0 20px}
legend{font-weight:600;margin-bottom:8px;padding:0}
.scope{display:flex;gap:10px;align-items:flex-start;padding:10px 0;border-top:1px solid var(--border)}
.scope:last-of-type{border-bottom:1px solid var(--border)}
.scope input{margin-top:4px;width:18px;height:18px;flex:none}
.scope label{margin:0;font-weight:400}
.scope .name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875rem;font-weight:600;display:block}
.actions{display:flex;gap:12px;flex-wrap:wrap;margin-top:8px}
button{font:inherit;font-weight:600;border-radius:8px;padding:10px 18px;cursor:pointer;border:1px solid var(--border);background:transparent;color:var(--text);flex:1 1 140px}
button.primary{background:var(--accent);border-color:var(--accent);color:var(--accent-text)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.alert{background:var(--danger-bg);color:var(--danger);border-radius:8px;padding:10px 12px;margin:0 0 16px}
.warn{background:var(--warn-bg);color:var(--warn);border-radius:8px;padding:10px 12px;margin:0 0 16px;font-size:.9375rem}
.detail{margin-top:16px}
footer{margin-top:24px;font-size:.8125rem;color:var(--muted)}
.brand{display:flex;align-items:center;gap:10px;margin:0 0 20px;font-weight:600}
.brand img{max-height:32px;max-width:160px}
.links{display:flex;gap:16px;flex-wrap:wrap;margin-top:16px;font-size:.8125rem}
.links a,footer a{color:var(--accent)}
@media (max-width:480px){body{padding:16px 8px}main{padding:24px 18px}}
`;

/** What every built-in page is rendered with: the language, branding and CSP nonce. */
export interface PageUi {
  readonly locale: string;
  readonly nonce: string;
  readonly t: Translate;
  readonly branding: CheckedBranding;
}

/** The `<style>` element of the built-in pages (core's CSS, then the branding colours). */
export function pageStyles(ui: Pick<PageUi, 'nonce' | 'branding'>): SafeHtml {
  return html`<style nonce="${ui.nonce}">${trusted(STYLES + ui.branding.css)}</style>`;
}

function brandHeader(branding: CheckedBranding): SafeHtml | '' {
  if (branding.name === undefined && branding.logoUrl === undefined) return '';
  const logo =
    branding.logoUrl === undefined
      ? ''
      : html`<img src="${branding.logoUrl}" alt="${branding.name === undefined ? 'Logo' : ''}">`;
  return html`<div class="brand">${logo}${branding.name === undefined ? '' : html`<span>${branding.name}</span>`}</div>
`;
}

function brandLinks(ui: PageUi): SafeHtml | '' {
  if (ui.branding.links.length === 0) return '';
  const links = ui.branding.links.map(
    (link) =>
      html`<a href="${link.url}" rel="noopener noreferrer">${ui.t(`links.${link.kind}`)}</a>`,
  );
  return html`
<nav class="links">${links}</nav>`;
}

/**
 * The shared page frame: language, viewport, inline styles carrying the CSP nonce, and an empty
 * inline icon (allowed by `img-src data:`) so browsers request no `/favicon.ico`: no 404 in the
 * logs, and no route claimed at the root of the app the server is mounted in.
 */
export function layout(ui: PageUi, title: SafeHtml | string, body: SafeHtml): SafeHtml {
  const fullTitle = ui.branding.name === undefined ? title : html`${title} · ${ui.branding.name}`;
  return html`<!doctype html>
<html lang="${ui.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${fullTitle}</title>
${pageStyles(ui)}
</head>
<body>
<main>
${brandHeader(ui.branding)}${body}${brandLinks(ui)}
</main>
</body>
</html>`;
}

/** What the pages show about the client asking for access (as the flow knows it). */
export interface ClientDisplay {
  /** `client_name`, or undefined when the client registered none. */
  readonly name: string | undefined;
  readonly clientId: string;
  /** The host (or scheme) the browser goes back to. */
  readonly redirectTarget: string;
  /**
   * Where that is: `loopback` (a port on the user's own computer), `app` (a private-use URI
   * scheme of a native app) or `web`. Loopback and app redirects get a warning: any program
   * on the machine can answer there (MCP authorization, security considerations).
   */
  readonly redirectKind?: 'web' | 'loopback' | 'app';
  /** How the client is known: self-registered, a metadata document URL, or configured. */
  readonly source: 'registration' | 'metadata-document' | 'static';
}

/**
 * The client as a page shows it. Every string came from the client and is raw text: put it in
 * a page through the `html` tagged template, which escapes it. Invisible and bidi characters
 * are already replaced by visible `[U+XXXX]` markers.
 */
export interface PageClient {
  /** `client_name`, or undefined when the client registered none. */
  readonly name: string | undefined;
  /** False unless the client is configured in code (a self-asserted name is not verified). */
  readonly nameVerified: boolean;
  readonly clientId: string;
  /** For a metadata-document client: the host its `client_id` URL points to, in ASCII (punycode). */
  readonly documentHost: string | undefined;
  /** The host (or scheme) the browser goes back to after the sign-in. */
  readonly redirectTarget: string;
  /** `loopback` and `app` redirects deserve a warning: any program there can answer. */
  readonly redirectKind: 'web' | 'loopback' | 'app';
  readonly source: 'registration' | 'metadata-document' | 'static';
}

/** Where a redirect URI leads, for {@link ClientDisplay.redirectKind}. */
export function redirectKindOf(redirectUri: string): 'web' | 'loopback' | 'app' {
  try {
    const url = new URL(redirectUri);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'app';
    return isLoopbackHostname(url.hostname) ? 'loopback' : 'web';
  } catch {
    return 'app';
  }
}

// The host a browser would contact for a metadata-document client_id: ASCII (punycode), so a
// look-alike such as `аnthropic.com` (Cyrillic а) shows as `xn--nthropic-06g.com`.
function documentHost(clientId: string): string {
  try {
    return new URL(clientId).host;
  } catch {
    return clientId;
  }
}

/** The client of a page, with invisible characters revealed (names and URLs come from it). */
export function pageClient(client: ClientDisplay): PageClient {
  return {
    name: client.name === undefined ? undefined : revealInvisible(client.name),
    nameVerified: client.source === 'static',
    clientId: revealInvisible(client.clientId),
    documentHost: client.source === 'metadata-document' ? documentHost(client.clientId) : undefined,
    redirectTarget: revealInvisible(client.redirectTarget),
    redirectKind: client.redirectKind ?? 'web',
    source: client.source,
  };
}

function redirectWarning(client: PageClient, t: Translate): SafeHtml | '' {
  const target = html`<code>${client.redirectTarget}</code>`;
  if (client.redirectKind === 'loopback') {
    return html`<div class="warn" role="note">${t('client.warnLoopback', { target })}</div>`;
  }
  if (client.redirectKind === 'app') {
    return html`<div class="warn" role="note">${t('client.warnApp', { target })}</div>`;
  }
  return '';
}

function clientBox(client: PageClient, t: Translate): SafeHtml {
  const provenance =
    client.source === 'metadata-document'
      ? html`<span class="muted">${t('client.publishedAt')}</span> <strong class="host"><code>${client.documentHost}</code></strong><br>
<span class="muted">${t('client.identityDocument', { url: html`<code>${client.clientId}</code>` })}</span><br>`
      : client.source === 'registration'
        ? html`<span class="muted">${t('client.selfRegistered')}</span><br>`
        : html``;
  return html`<div class="client">
<strong>${client.name ?? t('client.unnamed')}</strong>
${client.name !== undefined && !client.nameVerified ? html`<span class="muted">${t('client.unverifiedName')}</span><br>` : ''}
${provenance}<span class="muted">${t('client.returnsTo')}</span> <strong class="host"><code>${client.redirectTarget}</code></strong>
</div>
${redirectWarning(client, t)}`;
}

/** The form of a login or consent page: where it posts, and the fields it must carry. */
export interface PageForm {
  /** The form's `action` (POST). */
  readonly action: string;
  /**
   * The hidden `interaction` and `csrf_token` inputs. Put them inside the form as they are:
   * core refuses to send a page whose form to `action` lacks them.
   */
  readonly csrfField: SafeHtml;
}

/** Hidden inputs every interaction form carries. */
export function csrfField(interaction: string, csrf: string): SafeHtml {
  return html`<input type="hidden" name="interaction" value="${interaction}">
<input type="hidden" name="csrf_token" value="${csrf}">`;
}

/** The MCP server a login or consent is for. */
export interface ServiceDisplay {
  /** Its name (`resourceName`, else its host). */
  readonly name: string;
  /** Its URL (the token audience). */
  readonly url: string;
}

/**
 * The login page (local identity provider). Its form posts `username` and `password` with
 * {@link PageForm.csrfField} to {@link PageForm.action}.
 */
export interface LoginPage {
  readonly kind: 'login';
  /** The service the user signs in to (the MCP server). */
  readonly service: ServiceDisplay;
  readonly client: PageClient;
  readonly form: PageForm;
  /** True after a wrong username or password (the page is answered with 401). */
  readonly failed: boolean;
  /** The username typed before (after a failed attempt), else ''. */
  readonly username: string;
}

/** One scope on the consent page. */
export interface ConsentScope {
  readonly name: string;
  readonly description?: string | undefined;
}

/** One scope offered on the consent page, with the checkbox name the form posts it under. */
export interface ConsentPageScope extends ConsentScope {
  /** The checkbox `name` (`scope_0`, `scope_1`, …); its `value` is the scope name. */
  readonly field: string;
}

/**
 * The consent page. Its form posts the ticked `scope_N` checkboxes (value: the scope name) and
 * `decision=approve` or `decision=deny` with {@link PageForm.csrfField} to
 * {@link PageForm.action}.
 */
export interface ConsentPage {
  readonly kind: 'consent';
  /** The service the client will access (the MCP server). */
  readonly service: ServiceDisplay;
  readonly client: PageClient;
  readonly form: PageForm;
  readonly scopes: readonly ConsentPageScope[];
  /** Requested scopes the user's account cannot be granted. */
  readonly unavailable: readonly string[];
  /** Who is signed in; absent when the user signs in upstream after consenting. */
  readonly user: string | undefined;
  /** Upstream-proxy mode: the user signs in with the upstream IdP next. */
  readonly upstreamNext: boolean;
  /** The signed-in user's grants page (`/grants`), linked from the footer; absent: no link. */
  readonly grantsUrl?: string | undefined;
}

/** An authorization error that cannot go back to the client. */
export interface ErrorPage {
  readonly kind: 'error';
  /** The HTTP status it is answered with. */
  readonly status: number;
  /** A stable machine-readable reason (`csrf`, `expired`, `unknown_client`, …). */
  readonly code: string;
  /** Its title and message, in the page's language. */
  readonly title: string;
  readonly message: string;
}

/** One grant on the grants page (raw text from the client: put it in a page with `html`). */
export interface PageGrant {
  /** What the page's revoke form posts as `grant`. */
  readonly grantId: string;
  /** The client's `client_name` (invisible characters shown as `[U+XXXX]`), or undefined. */
  readonly clientName: string | undefined;
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** The resource (MCP server URL) the grant is for. */
  readonly resource: string;
  /** When it was granted, and last used (refreshed), in ms since the epoch. */
  readonly createdAt: number;
  readonly lastUsedAt: number | undefined;
}

/**
 * The signed-in user's grants page (`<base>/grants`). Signed in, its forms post to
 * {@link PageForm.action} with {@link PageForm.csrfField} and `action=revoke` plus
 * `grant=<grantId>`, `action=revoke_all` or `action=sign_out`. Signed out (`user` undefined)
 * it has no form.
 */
export interface GrantsPage {
  readonly kind: 'grants';
  readonly service: { readonly name: string };
  /** Who is signed in; undefined: nobody (the page says how to sign in). */
  readonly user: string | undefined;
  readonly grants: readonly PageGrant[];
  /** The outcome of the last action, shown once. */
  readonly notice: 'revoked' | 'revoked_all' | 'not_found' | undefined;
  /** Undefined when signed out. */
  readonly form: PageForm | undefined;
}

/** Every page a template may render. */
export type AuthorizationPage = LoginPage | ConsentPage | ErrorPage | GrantsPage;

/** The main content of the login page. */
export function loginBody(page: LoginPage, ui: PageUi): SafeHtml {
  const { t } = ui;
  const service = page.service.name;
  return html`<div class="mark" aria-hidden="true">&#x2192;</div>
<h1>${t('login.heading', { service })}</h1>
<p class="muted">${t('login.intro', { service: html`<strong>${service}</strong>` })}</p>
${clientBox(page.client, t)}
${page.failed ? html`<div class="alert" role="alert">${t('login.failed')}</div>` : ''}
<form method="post" action="${page.form.action}" autocomplete="on">
${page.form.csrfField}
<label for="username">${t('login.username')}</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${page.username}"${page.username ? '' : html` autofocus`}>
<label for="password">${t('login.password')}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${page.username ? html` autofocus` : ''}>
<div class="actions"><button type="submit" class="primary">${t('login.submit')}</button></div>
</form>`;
}

/** The main content of the consent page: the client, each scope with a checkbox, allow/deny. */
export function consentBody(page: ConsentPage, ui: PageUi): SafeHtml {
  const { t } = ui;
  const scopes = page.scopes.map(
    (scope, i) => html`<div class="scope">
<input type="checkbox" id="scope-${i}" name="${scope.field}" value="${scope.name}" checked>
<label for="scope-${i}"><span class="name">${scope.name}</span>${scope.description ? html`<span class="muted">${scope.description}</span>` : ''}</label>
</div>`,
  );
  return html`<div class="mark" aria-hidden="true">&#x2713;</div>
<h1>${t('consent.heading', { service: page.service.name })}</h1>
<p class="muted">${page.service.url}</p>
${page.user ? html`<p class="muted">${t('consent.signedInAs', { user: html`<strong>${page.user}</strong>` })}</p>` : ''}
${clientBox(page.client, t)}
<form method="post" action="${page.form.action}">
${page.form.csrfField}
${
  page.scopes.length > 0
    ? html`<fieldset><legend>${t('consent.scopesLegend')}</legend>${scopes}</fieldset>
<p class="muted">${t('consent.untickHint')}</p>`
    : html`<p>${t('consent.noScopes')}</p>`
}
${
  page.unavailable.length > 0
    ? html`<div class="warn">${t('consent.unavailable', { scopes: page.unavailable.join(', ') })}</div>`
    : ''
}
${page.upstreamNext ? html`<p class="muted">${t('consent.upstreamNext')}</p>` : ''}
<div class="actions">
<button type="submit" name="decision" value="deny">${t('consent.deny')}</button>
<button type="submit" name="decision" value="approve" class="primary">${t('consent.allow')}</button>
</div>
</form>
<footer>${t('consent.footer')}${page.grantsUrl ? html` <a href="${page.grantsUrl}" target="_blank" rel="noopener">${t('consent.manageGrants')}</a>` : ''}</footer>`;
}

/** The main content of the page for every authorization error that cannot go back to the client. */
export function errorBody(page: ErrorPage, ui: PageUi): SafeHtml {
  const { t } = ui;
  return html`<div class="mark error" aria-hidden="true">!</div>
<h1>${page.title}</h1>
<p>${page.message}</p>
<p class="muted">${t('error.closeWindow')}</p>
${page.code ? html`<p class="detail muted">${t('error.code', { code: html`<code>${page.code}</code>` })}</p>` : ''}`;
}

/** The hidden input of a grants-page form (the CSRF token bound to the session). */
export function sessionCsrfField(csrf: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${csrf}">`;
}

// A date for every language alike: `2026-12-07 09:30 UTC`.
function formatDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function grantItem(grant: PageGrant, t: Translate, form: (fields: SafeHtml) => SafeHtml): SafeHtml {
  const scopes = grant.scopes.length > 0 ? grant.scopes.join(' ') : t('grants.noScopes');
  const used =
    grant.lastUsedAt === undefined
      ? t('grants.neverUsed')
      : t('grants.lastUsed', { date: formatDate(grant.lastUsedAt) });
  return html`<div class="client grant" data-grant="${grant.grantId}">
<strong>${grant.clientName ?? t('client.unnamed')}</strong>
<code>${grant.clientId}</code>
<p class="muted">${t('grants.scopes', { scopes })}</p>
<p class="muted"><code>${grant.resource}</code></p>
<p class="muted">${t('grants.created', { date: formatDate(grant.createdAt) })} · ${used}</p>
${form(html`<input type="hidden" name="grant" value="${grant.grantId}">
<button type="submit" name="action" value="revoke">${t('grants.revoke')}</button>`)}
</div>`;
}

const NOTICE_KEYS = {
  revoked: 'grants.revoked',
  revoked_all: 'grants.revokedAll',
  not_found: 'grants.notFound',
} as const;

/** The main content of the grants page: each grant revocable, revoke all, sign out. */
export function grantsBody(page: GrantsPage, ui: PageUi): SafeHtml {
  const { t } = ui;
  if (page.user === undefined || page.form === undefined) {
    return html`<div class="mark" aria-hidden="true">?</div>
<h1>${t('grants.signedOut.title')}</h1>
<p>${t('grants.signedOut.message', { service: page.service.name })}</p>`;
  }
  const { action, csrfField } = page.form;
  const form = (fields: SafeHtml) => html`<form method="post" action="${action}">
${csrfField}
${fields}
</form>`;
  return html`<div class="mark" aria-hidden="true">&#x2713;</div>
<h1>${t('grants.title')}</h1>
<p class="muted">${t('grants.intro', { service: page.service.name })}</p>
<p class="muted">${t('grants.signedInAs', { user: html`<strong>${page.user}</strong>` })}</p>
${page.notice === undefined ? '' : html`<div class="warn" role="status">${t(NOTICE_KEYS[page.notice])}</div>`}
${page.grants.length === 0 ? html`<p>${t('grants.none')}</p>` : page.grants.map((g) => grantItem(g, t, form))}
<div class="actions">
${
  page.grants.length > 1
    ? form(
        html`<button type="submit" name="action" value="revoke_all">${t('grants.revokeAll')}</button>`,
      )
    : ''
}
${form(html`<button type="submit" name="action" value="sign_out">${t('grants.signOut')}</button>`)}
</div>`;
}

/** The page's `<title>`. */
export function pageTitle(page: AuthorizationPage, t: Translate): SafeHtml | string {
  if (page.kind === 'login') return t('login.title');
  if (page.kind === 'consent') return t('consent.title');
  if (page.kind === 'grants') {
    return page.user === undefined ? t('grants.signedOut.title') : t('grants.title');
  }
  return page.title;
}

/** A built-in page's content (what goes inside `<main>`). */
export function builtInBody(page: AuthorizationPage, ui: PageUi): SafeHtml {
  switch (page.kind) {
    case 'login':
      return loginBody(page, ui);
    case 'consent':
      return consentBody(page, ui);
    case 'grants':
      return grantsBody(page, ui);
    default:
      return errorBody(page, ui);
  }
}

/** A built-in page, complete: the frame around its content. */
export function builtInPage(page: AuthorizationPage, ui: PageUi): SafeHtml {
  return layout(ui, pageTitle(page, ui.t), builtInBody(page, ui));
}
