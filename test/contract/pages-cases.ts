// Issue 16 item 5 through every contract mount (Express, Koa, fastmcp, the Fetch handler): a
// custom page template, branding and the browser's language reach the user whatever framework
// serves the authorization server — the Accept-Language header gets through, core's security
// headers (CSP with the template's nonce, frame-ancestors, no-store) survive the adapter, and a
// sign-in completes through the template's forms in French. Core's own tests:
// packages/core/test/pages/template.test.ts; the browser: test/browser/custom-pages.test.ts.
import { MemoryStore } from '@mcp-auth/core';
import type { PageTemplate } from '@mcp-auth/core/pages';
// The public `@mcp-auth/core/testing` entry, by path (see suite.ts).
import { authorizeWithForms, type FetchLike } from '../../packages/core/src/testing/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSpec,
  contractServerOptions,
  createContractPolicy,
  PASSWORD,
  pkcePair,
  READ,
  REDIRECT,
  TestClock,
} from './fixtures.js';
import type { ContractMount, MountContract } from './suite.js';

const CLIENT_ID = 'pages-contract-client';

const template: PageTemplate = (page, ctx) => {
  const { html, t } = ctx;
  if (page.kind === 'error' || page.kind === 'grants') return undefined;
  const body =
    page.kind === 'login'
      ? html`<form method="post" action="${page.form.action}">${page.form.csrfField}
<input name="username"><input type="password" name="password"><button>${t('login.submit')}</button></form>`
      : html`<form method="post" action="${page.form.action}">${page.form.csrfField}
${page.scopes.map((s) => html`<input type="checkbox" name="${s.field}" value="${s.name}" checked>`)}
<button name="decision" value="approve">${t('consent.allow')}</button></form>`;
  return html`<!doctype html><html lang="${ctx.locale}"><head><title>Contract ${page.kind}</title>
<style nonce="${ctx.nonce}">body{margin:0}</style></head><body id="contract-template">${body}</body></html>`;
};

/** Adds `accept-language` to every request a flow sends. */
function speaking(language: string): FetchLike {
  return (request) => {
    const headers = new Headers(request.headers);
    headers.set('accept-language', language);
    return fetch(new Request(request, { headers }));
  };
}

export function definePagesCases(name: string, mount: MountContract): void {
  describe(`${name}: custom login and consent pages (issue 16 item 5)`, () => {
    let m: ContractMount;
    beforeAll(async () => {
      const policy = createContractPolicy();
      m = await mount(
        buildSpec(policy, (origin) =>
          contractServerOptions(origin, policy, new MemoryStore(), new TestClock(), {
            clients: [
              { clientId: CLIENT_ID, redirectUris: [REDIRECT], clientName: '<b>Contract</b>' },
            ],
            consent: {
              template,
              branding: { name: 'Contract Inc.' },
              language: { locales: ['en', 'fr', 'de'] },
            },
          }),
        ),
      );
    });
    afterAll(async () => {
      await m?.close();
    });

    async function authorizationUrl(): Promise<URL> {
      const { challenge } = await pkcePair();
      const url = new URL('/authorize', m.baseUrl);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'pages-state',
        scope: READ,
      }).toString();
      return url;
    }

    it('PAGES-C1: the template page in the Accept-Language language, with core’s headers intact', async () => {
      const response = await speaking('fr-CA,fr;q=0.9')(new Request(await authorizationUrl()));
      expect(response.status).toBe(200);
      const page = await response.text();
      expect(page).toContain('<html lang="fr">');
      expect(page).toContain('id="contract-template"');
      expect(page).toContain('<button>Se connecter</button>');
      const nonce = /<style nonce="([^"]+)">/.exec(page)?.[1];
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(nonce).toBeTruthy();
      expect(csp).toContain(`style-src 'nonce-${nonce}'`);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('PAGES-C2: login and consent complete through the template’s forms, in French', async () => {
      const result = await authorizeWithForms({
        fetch: speaking('fr'),
        authorizationUrl: await authorizationUrl(),
        username: 'alice',
        password: PASSWORD,
      });
      expect(result.pages).toEqual(['login', 'consent']);
      expect(result.error).toBeUndefined();
      expect(result.code).toBeTruthy();
      expect(result.state).toBe('pages-state');
    });

    it('PAGES-C3: an error page in German, branded, through the adapter', async () => {
      const response = await speaking('de')(
        new Request(new URL('/authorize?client_id=unknown-client', m.baseUrl)),
      );
      expect(response.status).toBe(400);
      const page = await response.text();
      expect(page).toContain('<html lang="de">');
      expect(page).toContain('<title>Unbekannte Anwendung · Contract Inc.</title>');
    });
  });
}
