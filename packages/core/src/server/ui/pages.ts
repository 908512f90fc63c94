import { revealInvisible } from '../../encoding/unicode.js';
import { isLoopbackHostname } from '../../net/host.js';
import { html, type SafeHtml } from './html.js';

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
@media (max-width:480px){body{padding:16px 8px}main{padding:24px 18px}}
`;

/**
 * The shared page frame: language, viewport, inline styles carrying the CSP nonce, and an empty
 * inline icon (allowed by `img-src data:`) so browsers request no `/favicon.ico`: no 404 in the
 * logs, and no route claimed at the root of the app the server is mounted in.
 */
export function layout(nonce: string, title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${title}</title>
<style nonce="${nonce}">${{ html: STYLES }}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

/** What the pages show about the client asking for access. */
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

function redirectWarning(client: ClientDisplay): SafeHtml | '' {
  if (client.redirectKind === 'loopback') {
    return html`<div class="warn" role="note">It returns to a program on this computer (<code>${revealInvisible(client.redirectTarget)}</code>). Any program on this computer can listen there, so the name and address above cannot prove which application you are talking to. Only continue if you just started this sign-in from the application you meant to connect.</div>`;
  }
  if (client.redirectKind === 'app') {
    return html`<div class="warn" role="note">It returns to an app on this device (<code>${revealInvisible(client.redirectTarget)}</code>), which any app can claim to be. Only continue if you just started this sign-in from the application you meant to connect.</div>`;
  }
  return '';
}

function clientBox(client: ClientDisplay): SafeHtml {
  // Names and URLs come from the client: invisible and bidi characters are shown as markers.
  const name = client.name === undefined ? undefined : revealInvisible(client.name);
  const selfAsserted = client.source !== 'static';
  const provenance =
    client.source === 'metadata-document'
      ? html`<span class="muted">Published at</span> <strong class="host"><code>${documentHost(client.clientId)}</code></strong><br>
<span class="muted">Identity document: <code>${revealInvisible(client.clientId)}</code></span><br>`
      : client.source === 'registration'
        ? html`<span class="muted">This application registered itself. Only continue if you started this sign-in.</span><br>`
        : html``;
  return html`<div class="client">
<strong>${name ?? 'An unnamed application'}</strong>
${name !== undefined && selfAsserted ? html`<span class="muted">Name given by the application itself, not verified.</span><br>` : ''}
${provenance}<span class="muted">will return you to</span> <strong class="host"><code>${revealInvisible(client.redirectTarget)}</code></strong>
</div>
${redirectWarning(client)}`;
}

/** Fields every interaction form carries. */
export interface InteractionFields {
  readonly action: string;
  readonly interaction: string;
  readonly csrf: string;
}

function hidden(fields: InteractionFields): SafeHtml {
  return html`<input type="hidden" name="interaction" value="${fields.interaction}">
<input type="hidden" name="csrf_token" value="${fields.csrf}">`;
}

/** The MCP server a login or consent is for. */
export interface ServiceDisplay {
  /** Its name (`resourceName`, else its host). */
  readonly name: string;
  /** Its URL (the token audience). */
  readonly url: string;
}

/** Input of {@link loginPage}. */
export interface LoginPageInput extends InteractionFields {
  readonly client: ClientDisplay;
  /** The service the user signs in to (the MCP server). */
  readonly service: ServiceDisplay;
  readonly error?: string | undefined;
  readonly username?: string | undefined;
}

/** The username and password form of the local identity provider. */
export function loginPage(input: LoginPageInput): (nonce: string) => SafeHtml {
  return (nonce) =>
    layout(
      nonce,
      'Sign in',
      html`<div class="mark" aria-hidden="true">&#x2192;</div>
<h1>Sign in to ${input.service.name}</h1>
<p class="muted">An application wants to access your account on <strong>${input.service.name}</strong>.</p>
${clientBox(input.client)}
${input.error ? html`<div class="alert" role="alert">${input.error}</div>` : ''}
<form method="post" action="${input.action}" autocomplete="on">
${hidden(input)}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${input.username ?? ''}"${input.username ? '' : html` autofocus`}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${input.username ? html` autofocus` : ''}>
<div class="actions"><button type="submit" class="primary">Sign in</button></div>
</form>`,
    );
}

/** One scope on the consent page. */
export interface ConsentScope {
  readonly name: string;
  readonly description?: string | undefined;
}

/** Input of {@link consentPage}. */
export interface ConsentPageInput extends InteractionFields {
  readonly client: ClientDisplay;
  /** The service the client will access (the MCP server). */
  readonly service: ServiceDisplay;
  readonly scopes: readonly ConsentScope[];
  /** Requested scopes the user's account cannot be granted. */
  readonly unavailable: readonly string[];
  /** Who is signed in; absent when the user signs in upstream after consenting. */
  readonly user?: string | undefined;
  /** Shown in upstream-proxy mode: the user signs in with the upstream IdP next. */
  readonly upstreamNext?: boolean;
}

/** The consent page: the client, where it returns, each scope with a checkbox, approve/deny. */
export function consentPage(input: ConsentPageInput): (nonce: string) => SafeHtml {
  const scopes = input.scopes.map(
    (scope, i) => html`<div class="scope">
<input type="checkbox" id="scope-${i}" name="scope_${i}" value="${scope.name}" checked>
<label for="scope-${i}"><span class="name">${scope.name}</span>${scope.description ? html`<span class="muted">${scope.description}</span>` : ''}</label>
</div>`,
  );
  return (nonce) =>
    layout(
      nonce,
      'Authorize access',
      html`<div class="mark" aria-hidden="true">&#x2713;</div>
<h1>Allow access to ${input.service.name}?</h1>
<p class="muted">${input.service.url}</p>
${input.user ? html`<p class="muted">Signed in as <strong>${input.user}</strong></p>` : ''}
${clientBox(input.client)}
<form method="post" action="${input.action}">
${hidden(input)}
${
  input.scopes.length > 0
    ? html`<fieldset><legend>It asks to:</legend>${scopes}</fieldset>
<p class="muted">Untick anything you do not want to allow.</p>`
    : html`<p>It asks for no permissions beyond knowing who you are.</p>`
}
${
  input.unavailable.length > 0
    ? html`<div class="warn">Not available for your account: ${input.unavailable.join(', ')}</div>`
    : ''
}
${input.upstreamNext ? html`<p class="muted">After you allow access you will sign in with your identity provider.</p>` : ''}
<div class="actions">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="approve" class="primary">Allow</button>
</div>
</form>
<footer>Access tokens are short-lived (an hour at most); the application keeps access only while it can refresh them, and signing out of it or revoking its tokens ends that.</footer>`,
    );
}

/** Input of {@link errorPage}. */
export interface ErrorPageInput {
  readonly title: string;
  readonly message: string;
  /** A stable machine-readable reason, shown small for support. */
  readonly code?: string;
}

/** The page for every authorization error that cannot be sent back to the client. */
export function errorPage(input: ErrorPageInput): (nonce: string) => SafeHtml {
  return (nonce) =>
    layout(
      nonce,
      input.title,
      html`<div class="mark error" aria-hidden="true">!</div>
<h1>${input.title}</h1>
<p>${input.message}</p>
<p class="muted">You can close this window and start again from the application.</p>
${input.code ? html`<p class="detail muted">Error code: <code>${input.code}</code></p>` : ''}`,
    );
}
