/**
 * The template of docs/customizing-pages.md, copied as written: it must render, keep the CSRF
 * field and complete a sign-in, so the guide's example stays runnable.
 */
import { describe, expect, it } from 'vitest';
import type { PageTemplate } from '../../src/pages.js';
import {
  authorizeParams,
  cookiePair,
  get,
  header,
  hiddenFields,
  ISSUER,
  makeServer,
  postForm,
} from '../server/helpers.js';

// --- from docs/customizing-pages.md ("Your own template") ---
const template: PageTemplate = (page, ctx) => {
  const { html, t } = ctx;
  const frame = (title: unknown, content: unknown) => html`<!doctype html>
<html lang="${ctx.locale}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — Notes Inc.</title>
<style nonce="${ctx.nonce}">body{font-family:Georgia,serif} .client{font-style:italic}</style>
</head><body><main>${content}</main></body></html>`;

  if (page.kind === 'login') {
    return frame(
      t('login.title'),
      html`<h1>${t('login.heading', { service: page.service.name })}</h1>
<p class="client">${page.client.name ?? t('client.unnamed')}</p>
${page.failed ? html`<p role="alert">${t('login.failed')}</p>` : ''}
<form method="post" action="${page.form.action}">${page.form.csrfField}
  <label>${t('login.username')} <input name="username" value="${page.username}"></label>
  <label>${t('login.password')} <input type="password" name="password"></label>
  <button>${t('login.submit')}</button>
</form>`,
    );
  }
  if (page.kind === 'consent') {
    return frame(
      t('consent.title'),
      html`<h1>${t('consent.heading', { service: page.service.name })}</h1>
<p class="client">${page.client.name ?? t('client.unnamed')} → ${page.client.redirectTarget}</p>
<form method="post" action="${page.form.action}">${page.form.csrfField}
  ${page.scopes.map(
    (s) => html`<label><input type="checkbox" name="${s.field}" value="${s.name}" checked>
    ${s.name} ${s.description}</label>`,
  )}
  <button name="decision" value="deny">${t('consent.deny')}</button>
  <button name="decision" value="approve">${t('consent.allow')}</button>
</form>`,
    );
  }
  return undefined; // the built-in error page
};
// --- end of the guide's example ---

describe('docs/customizing-pages.md: the template example', () => {
  it('renders login (escaped client name), consent, and the sign-in completes', async () => {
    const { server } = makeServer({ consent: { template } });
    const { url } = await authorizeParams();
    const page = await server.handle(get(url));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Sign in — Notes Inc.</title>');
    expect(page.body).toContain('<p class="client">Static &#60;b&#62;App&#60;/b&#62;</p>');
    const consent = await server.handle(
      postForm(
        `${ISSUER}/authorize/login`,
        { ...hiddenFields(page.body!), username: 'alice', password: 'alice-pw' },
        { cookie: cookiePair(page) },
      ),
    );
    expect(consent.body).toContain('<title>Authorize access — Notes Inc.</title>');
    const done = await server.handle(
      postForm(
        `${ISSUER}/authorize/consent`,
        { ...hiddenFields(consent.body!), scope_0: 'read', decision: 'approve' },
        { cookie: cookiePair(page) },
      ),
    );
    expect(new URL(header(done, 'location')!).searchParams.get('code')).toBeTruthy();
    const error = await server.handle(get(`${ISSUER}/authorize`));
    expect(error.body).toContain('<h1>Unknown application</h1>');
  });
});
