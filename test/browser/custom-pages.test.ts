/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Issue 16 item 5 in a real browser (Debian's Chromium, headless, driven by playwright-core):
// a custom page template, branding and the French dictionary, with login and consent completed
// through each, the CSP holding (no inline script or style without the nonce applies) and a
// hostile client_name shown as text. Screenshots go to test-artifacts/screenshots/.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  DevIdentityProvider,
} from '@mcp-auth/core';
import { createNodeAuthorizationHandler } from '@mcp-auth/core/node-http';
import type { PageOptions, PageTemplate } from '@mcp-auth/core/pages';
import { computeS256Challenge, generateCodeVerifier } from '@mcp-auth/core/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-artifacts/screenshots/', import.meta.url));
const HOSTILE_NAME = '<img src=x onerror="alert(1)">Evil "App"';
// The logo: a small PNG made here, as a data: URL (no network, nothing checked in).
const LOGO = pngDataUrl(120, 32);

/** A `width`×`height` PNG: a red band with a white stripe, enough to see in a screenshot. */
function pngDataUrl(width: number, height: number): string {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const stripe = y > height / 2 - 3 && y < height / 2 + 3;
      rows.set(stripe ? [255, 255, 255] : [192, 57, 43], y * (width * 3 + 1) + 1 + x * 3);
    }
  }
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return `data:image/png;base64,${png.toString('base64')}`;
}

interface RunningAs {
  issuer: string;
  server: AuthorizationServer;
  http: Server;
}

let browser: Browser;
let callback: Server;
let callbackUrl: string;
const redirects: URL[] = [];
const running: RunningAs[] = [];

async function startAs(pages: PageOptions): Promise<RunningAs> {
  let handler: ReturnType<typeof createNodeAuthorizationHandler> | undefined;
  const http = createServer((req, res) => {
    if (handler?.matches(req)) return void handler.handle(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const server = createAuthorizationServer({
    issuer,
    resource: `${issuer}/mcp`,
    signingKey: 'browser-pages-test-secret-0123456789abcdef',
    scopesSupported: ['notes:read', 'notes:write'],
    identityProvider: new DevIdentityProvider({
      iterations: 10_000,
      users: [
        {
          username: 'alice',
          password: 'demo',
          displayName: 'Alice',
          scopes: ['notes:read', 'notes:write'],
        },
      ],
    }),
    clients: [
      { clientId: 'browser-client', redirectUris: [callbackUrl], clientName: HOSTILE_NAME },
    ],
    consent: {
      rememberForSeconds: 0,
      scopeDescriptions: {
        'notes:read': 'Read your "notes" & <lists>',
        'notes:write': 'Change your notes',
      },
      ...pages,
    },
  });
  handler = createNodeAuthorizationHandler(server);
  const as = { issuer, server, http };
  running.push(as);
  return as;
}

async function authorizationUrl(as: RunningAs): Promise<{ url: string; verifier: string }> {
  const verifier = generateCodeVerifier();
  const url = new URL(`${as.issuer}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'browser-client',
    redirect_uri: callbackUrl,
    code_challenge: await computeS256Challenge(verifier),
    code_challenge_method: 'S256',
    state: 'browser-state',
    scope: 'notes:read notes:write',
  }).toString();
  return { url: url.href, verifier };
}

function nextRedirect(): Promise<URL> {
  const seen = redirects.length;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (redirects.length > seen) {
        clearInterval(timer);
        resolve(redirects[redirects.length - 1]!);
      }
    }, 20);
  });
}

/** The code is exchanged at the token endpoint: the sign-in really completed. */
async function exchange(as: RunningAs, code: string, verifier: string): Promise<string> {
  const response = await fetch(`${as.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: callbackUrl,
      client_id: 'browser-client',
      code_verifier: verifier,
    }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { scope?: string };
  return body.scope ?? '';
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Records CSP violations and dialogs (an alert from a hostile name would be one). */
function watch(page: Page): { console: string[]; dialogs: string[] } {
  const seen = { console: [] as string[], dialogs: [] as string[] };
  page.on('console', (message) => seen.console.push(message.text()));
  page.on('dialog', (dialog) => {
    seen.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return seen;
}

/**
 * A custom template: its own frame and look, a nonce'd script that records CSP violations, and
 * deliberately an inline script and style WITHOUT the nonce, which the CSP must block.
 */
const template: PageTemplate = (page, ctx) => {
  const { html, t } = ctx;
  const frame = (title: unknown, content: unknown) => html`<!doctype html>
<html lang="${ctx.locale}"><head><meta charset="utf-8"><title>${title} — Notes Inc.</title>
<script nonce="${ctx.nonce}">
document.documentElement.dataset.nonced = 'ran';
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));
</script>
<style nonce="${ctx.nonce}">
body{font-family:Georgia,serif;background:#10243e;color:#f5f1e8;display:flex;justify-content:center;padding:40px}
.card{background:#f5f1e8;color:#10243e;border-radius:4px;padding:28px 32px;max-width:460px;width:100%;box-shadow:0 10px 30px rgba(0,0,0,.4)}
h1{font-size:1.5rem;margin:0 0 12px} .tag{letter-spacing:.2em;font-size:.75rem;text-transform:uppercase;color:#c0392b}
label{display:block;margin:10px 0 4px} input[type=text],input[type=password]{width:100%;padding:8px;font:inherit}
button{margin-top:16px;padding:10px 16px;font:inherit;background:#c0392b;color:#fff;border:0;border-radius:3px;cursor:pointer}
.scope{margin:8px 0} .client{font-style:italic}
</style>
<style>#probe{color:rgb(255, 0, 0)}</style>
<script>document.documentElement.dataset.inline = 'ran';</script>
</head><body><div class="card"><div class="tag">Notes Inc. · custom template</div>${content}</div>
<p id="probe">probe</p></body></html>`;
  if (page.kind === 'login') {
    return frame(
      t('login.title'),
      html`<h1>${t('login.heading', { service: page.service.name })}</h1>
<p class="client" id="client-name">${page.client.name}</p>
<form method="post" action="${page.form.action}">${page.form.csrfField}
<label for="u">${t('login.username')}</label><input type="text" id="u" name="username" autocomplete="username">
<label for="p">${t('login.password')}</label><input type="password" id="p" name="password">
<button type="submit">${t('login.submit')}</button></form>`,
    );
  }
  if (page.kind === 'consent') {
    return frame(
      t('consent.title'),
      html`<h1>${t('consent.heading', { service: page.service.name })}</h1>
<p class="client" id="client-name">${page.client.name}</p>
<p>→ <code>${page.client.redirectTarget}</code></p>
${page.client.redirectKind === 'web' ? '' : html`<p class="warn">${t(page.client.redirectKind === 'loopback' ? 'client.warnLoopback' : 'client.warnApp', { target: page.client.redirectTarget })}</p>`}
<form method="post" action="${page.form.action}">${page.form.csrfField}
${page.scopes.map((s) => html`<div class="scope"><label><input type="checkbox" name="${s.field}" value="${s.name}" checked> <b>${s.name}</b> — <span class="desc">${s.description}</span></label></div>`)}
<button type="submit" name="decision" value="deny">${t('consent.deny')}</button>
<button type="submit" name="decision" value="approve">${t('consent.allow')}</button></form>`,
    );
  }
  if (page.kind === 'grants') {
    return frame(
      t('grants.title'),
      html`<h1>${t('grants.title')}</h1>
<p id="grants-user">${page.user ?? t('grants.signedOut.title')}</p>
${page.grants.map(
  (g) => html`<form method="post" action="${page.form!.action}">${page.form!.csrfField}
<p><b class="grant-client">${g.clientName}</b> — ${g.scopes.join(' ')}</p>
<input type="hidden" name="grant" value="${g.grantId}">
<button type="submit" name="action" value="revoke">${t('grants.revoke')}</button></form>`,
)}`,
    );
  }
  return frame(
    page.title,
    html`<h1>${page.title}</h1><p>${page.message}</p><code>${page.code}</code>`,
  );
};

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  callback = createServer((req, res) => {
    redirects.push(new URL(req.url ?? '/', callbackUrl));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Back in the client</title><p>Back in the client.</p>');
  });
  await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const as of running) await new Promise<void>((resolve) => as.http.close(() => resolve()));
  await new Promise<void>((resolve) => (callback ? callback.close(() => resolve()) : resolve()));
});

describe('custom login and consent pages in Chromium (issue 16 item 5)', () => {
  it('a custom template: renders, CSP blocks inline script and style without the nonce, login + consent complete', async () => {
    const as = await startAs({ template });
    const { url, verifier } = await authorizationUrl(as);
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    const page = await context.newPage();
    const seen = watch(page);
    try {
      const response = await page.goto(url);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
      await page.getByRole('heading', { name: /^Sign in to / }).waitFor();
      expect(await page.title()).toBe('Sign in — Notes Inc.');
      // The nonce'd script ran; the one without the nonce did not, and the browser said why.
      expect(await page.evaluate(() => document.documentElement.dataset['nonced'])).toBe('ran');
      expect(await page.evaluate(() => document.documentElement.dataset['inline'])).toBeUndefined();
      const violations = await page.evaluate(
        () => (window as unknown as { __violations: string[] }).__violations,
      );
      expect(violations).toEqual(expect.arrayContaining(['script-src-elem', 'style-src-elem']));
      expect(await page.locator('#probe').evaluate((el) => getComputedStyle(el).color)).not.toBe(
        'rgb(255, 0, 0)',
      );
      expect(seen.console.some((line) => /Content Security Policy/i.test(line))).toBe(true);
      // The hostile client_name is text, not markup.
      expect(await page.locator('#client-name').textContent()).toBe(HOSTILE_NAME);
      expect(await page.locator('#client-name img').count()).toBe(0);
      await shot(page, 'custom-template-login');

      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('demo');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: /^Allow access to / }).waitFor();
      expect(await page.locator('.desc').first().textContent()).toBe('Read your "notes" & <lists>');
      await shot(page, 'custom-template-consent');
      await page.locator('input[value="notes:write"]').uncheck();
      const back = nextRedirect();
      await page.getByRole('button', { name: 'Allow' }).click();
      const redirect = await back;
      expect(redirect.searchParams.get('state')).toBe('browser-state');
      expect(redirect.searchParams.get('iss')).toBe(as.issuer);
      expect(await exchange(as, redirect.searchParams.get('code')!, verifier)).toBe('notes:read');

      // The signed-in user's grants page, through the same template; revoking works from it.
      await page.goto(`${as.issuer}/grants`);
      await page.getByRole('heading', { name: 'Your grants' }).waitFor();
      expect(await page.locator('#grants-user').textContent()).toBe('Alice');
      expect(await page.locator('.grant-client').textContent()).toBe(HOSTILE_NAME);
      await shot(page, 'custom-template-grants');
      await page.getByRole('button', { name: 'Revoke' }).click();
      await page.waitForURL(/\/grants\?done=revoked$/);
      expect(await page.locator('.grant-client').count()).toBe(0);
      expect(seen.dialogs).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('French from Accept-Language, with branding (logo, colours, links): login + consent complete', async () => {
    const as = await startAs({
      branding: {
        name: 'Notes Inc.',
        logoUrl: LOGO,
        colors: { accent: '#c0392b', accentText: '#ffffff' },
        darkColors: { accent: '#ff8a7a' },
        links: { privacy: 'https://notes.example/privacy', terms: 'https://notes.example/terms' },
      },
    });
    const { url, verifier } = await authorizationUrl(as);
    const context = await browser.newContext({
      locale: 'fr-FR',
      viewport: { width: 1024, height: 800 },
    });
    const page = await context.newPage();
    const seen = watch(page);
    try {
      await page.goto(url);
      expect(await page.evaluate(() => navigator.language)).toBe('fr-FR');
      expect(await page.locator('html').getAttribute('lang')).toBe('fr');
      await page.getByRole('heading', { name: /^Se connecter à / }).waitFor();
      expect(await page.title()).toBe('Connexion · Notes Inc.');
      expect(await page.getByRole('link', { name: 'Confidentialité' }).getAttribute('href')).toBe(
        'https://notes.example/privacy',
      );
      const accent = await page
        .getByRole('button', { name: 'Se connecter' })
        .evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(accent).toBe('rgb(192, 57, 43)');
      expect(
        await page.locator('.brand img').evaluate((img) => (img as HTMLImageElement).naturalWidth),
      ).toBe(120);
      await shot(page, 'fr-branded-login');

      await page.getByLabel('Nom d’utilisateur').fill('alice');
      await page.getByLabel('Mot de passe').fill('wrong');
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toBe(
        'Le nom d’utilisateur ou le mot de passe est incorrect.',
      );
      await page.getByLabel('Mot de passe').fill('demo');
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.getByRole('heading', { name: /^Autoriser l’accès à .+ \?$/ }).waitFor();
      expect(await page.getByText('Connecté en tant que').textContent()).toContain('Alice');
      await shot(page, 'fr-branded-consent');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, 'fr-branded-consent-dark');
      const back = nextRedirect();
      await page.getByRole('button', { name: 'Autoriser' }).click();
      const redirect = await back;
      expect(redirect.searchParams.get('state')).toBe('browser-state');
      expect(
        (await exchange(as, redirect.searchParams.get('code')!, verifier)).split(' ').sort(),
      ).toEqual(['notes:read', 'notes:write']);
      expect(seen.dialogs).toEqual([]);
      // The built-in grants page, branded and in French.
      await page.emulateMedia({ colorScheme: 'light' });
      await page.goto(`${as.issuer}/grants`);
      await page.getByRole('heading', { name: 'Vos autorisations' }).waitFor();
      expect(await page.getByRole('button', { name: 'Révoquer' }).count()).toBe(1);
      await shot(page, 'fr-branded-grants');
      expect(seen.console.filter((line) => /Content Security Policy/i.test(line))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a German browser gets the German error page; the default pages stay English for others', async () => {
    const as = await startAs({});
    const de = await browser.newContext({ locale: 'de-DE' });
    const en = await browser.newContext({ locale: 'en-US' });
    try {
      const page = await de.newPage();
      const response = await page.goto(
        `${as.issuer}/authorize?client_id=unknown-app&response_type=code`,
      );
      expect(response?.status()).toBe(400);
      await page.getByRole('heading', { name: 'Unbekannte Anwendung' }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe('de');
      await shot(page, 'de-error');
      const english = await en.newPage();
      await english.goto((await authorizationUrl(as)).url);
      await english.getByRole('heading', { name: /^Sign in to / }).waitFor();
      expect(await english.locator('html').getAttribute('lang')).toBe('en');
    } finally {
      await de.close();
      await en.close();
    }
  });
});
