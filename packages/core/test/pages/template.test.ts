/**
 * Issue 16 item 5: login and consent pages that are yours — the template hook, branding and
 * languages through the whole authorization server (`server.handle`), with hostile inputs.
 */
import { describe, expect, it } from 'vitest';
import type { PageTemplate } from '../../src/pages.js';
import {
  authorizeParams,
  cookiePair,
  cookies,
  get,
  header,
  hiddenFields,
  ISSUER,
  makeServer,
  postForm,
  REDIRECT,
} from '../server/helpers.js';

const HOSTILE_NAME = '<script>alert("name")</script>';
const HOSTILE_DESCRIPTION = `Read "everything" & <b>more</b> it's`;

const hostileClients = {
  clients: [
    {
      clientId: 'hostile-client',
      redirectUris: [REDIRECT],
      clientName: HOSTILE_NAME,
    },
  ],
  consent: { scopeDescriptions: { read: HOSTILE_DESCRIPTION } },
};

/** A whole custom page: its own layout, the built-in strings, the form fields core expects. */
const template: PageTemplate = (page, ctx) => {
  const { html, t } = ctx;
  const head = html`<!doctype html><html lang="${ctx.locale}"><head><meta charset="utf-8">
<title>Custom ${page.kind}</title><style nonce="${ctx.nonce}">body{font-family:serif}</style></head><body>
<header id="custom">ACME ${page.kind}</header>`;
  if (page.kind === 'login') {
    return html`${head}<h1>${t('login.heading', { service: page.service.name })}</h1>
<p id="client">${page.client.name}</p>
<form method="post" action="${page.form.action}">${page.form.csrfField}
<input name="username" aria-label="${t('login.username')}"><input type="password" name="password" aria-label="${t('login.password')}">
<button type="submit">${t('login.submit')}</button></form></body></html>`;
  }
  if (page.kind === 'consent') {
    return html`${head}<h1>${t('consent.heading', { service: page.service.name })}</h1>
<p id="client">${page.client.name}</p>
<form method="post" action="${page.form.action}">${page.form.csrfField}
${page.scopes.map((s) => html`<label><input type="checkbox" name="${s.field}" value="${s.name}" checked>${s.name}: <span class="d">${s.description}</span></label>`)}
<button name="decision" value="approve">${t('consent.allow')}</button></form></body></html>`;
  }
  if (page.kind === 'grants') return undefined;
  return html`${head}<h1>${page.title}</h1><p>${page.message}</p><code>${page.code}</code></body></html>`;
};

async function start(
  server: ReturnType<typeof makeServer>['server'],
  overrides = {},
  headers = {},
) {
  const { url } = await authorizeParams(overrides);
  return server.handle(get(url, headers));
}

async function login(
  server: ReturnType<typeof makeServer>['server'],
  page: Awaited<ReturnType<typeof start>>,
  headers: Record<string, string> = {},
) {
  return server.handle(
    postForm(
      `${ISSUER}/authorize/login`,
      { ...hiddenFields(page.body!), username: 'alice', password: 'alice-pw' },
      { cookie: cookiePair(page), ...headers },
    ),
  );
}

describe('consent.template: a custom page keeps core guarantees', () => {
  it('renders the template; core sets CSP with the nonce (scripts only with it), frame-ancestors none, no-store', async () => {
    const { server } = makeServer({ consent: { template } });
    const page = await start(server);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<header id="custom">ACME login</header>');
    const csp = header(page, 'content-security-policy')!;
    const nonce = /<style nonce="([^"]+)">/.exec(page.body!)![1]!;
    expect(csp).toContain(`style-src 'nonce-${nonce}'`);
    expect(csp).toContain(`script-src 'nonce-${nonce}'`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(header(page, 'x-frame-options')).toBe('DENY');
    expect(header(page, 'cache-control')).toBe('no-store');
    expect(header(page, 'access-control-allow-origin')).toBeUndefined();
  });

  it('hostile client_name and scope descriptions are escaped in the template page', async () => {
    const { server } = makeServer({
      ...hostileClients,
      consent: { ...hostileClients.consent, template },
    });
    const page = await start(server, { client_id: 'hostile-client' });
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).toContain('&#60;script&#62;alert(&#34;name&#34;)&#60;/script&#62;');
    const consent = await login(server, page);
    expect(consent.status).toBe(200);
    expect(consent.body).not.toContain('<b>more</b>');
    expect(consent.body).toContain(
      'Read &#34;everything&#34; &#38; &#60;b&#62;more&#60;/b&#62; it&#39;s',
    );
  });

  it('login and consent complete through the template: code and state come back', async () => {
    const { server } = makeServer({ consent: { template } });
    const page = await start(server);
    const consent = await login(server, page);
    expect(consent.body).toContain('ACME consent');
    const done = await server.handle(
      postForm(
        `${ISSUER}/authorize/consent`,
        { ...hiddenFields(consent.body!), scope_0: 'read', decision: 'approve' },
        { cookie: cookiePair(page) },
      ),
    );
    expect(done.status).toBe(303);
    const location = new URL(header(done, 'location')!);
    expect(location.searchParams.get('code')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe('xyz-state');
  });

  it('a template that drops the CSRF field gets a 500 built-in error page, never its form', async () => {
    const dropping: PageTemplate = (page, ctx) =>
      page.kind === 'login'
        ? ctx.html`<!doctype html><form method="post" action="${page.form.action}"><input name="username"></form>`
        : undefined;
    const { server } = makeServer({ consent: { template: dropping, onTemplateError: () => {} } });
    const page = await start(server);
    expect(page.status).toBe(500);
    expect(page.body).toContain('Error code: <code>server_error</code>');
    expect(page.body).not.toContain('name="username"');
  });

  it('a page with no form to the action at all, a plain string, a forged SafeHtml or a throw → 500', async () => {
    const templates: PageTemplate[] = [
      (_page, ctx) => ctx.html`<p>no form</p>`,
      (() => '<p>a string</p>') as unknown as PageTemplate,
      (() => ({ html: '<p>forged</p>' })) as unknown as PageTemplate,
      () => {
        throw new Error('template bug');
      },
      async () => Promise.reject(new Error('async template bug')),
    ];
    for (const t of templates) {
      const { server } = makeServer({ consent: { template: t, onTemplateError: () => {} } });
      const page = await start(server);
      expect(page.status).toBe(500);
      expect(page.body).not.toMatch(/forged|a string|no form|template bug/);
      expect(header(page, 'content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });

  it('onTemplateError hears of each failure with the page kind; the default reports no page data', async () => {
    const seen: string[] = [];
    const { server } = makeServer({
      consent: {
        template: (page, ctx) => (page.kind === 'login' ? ctx.html`<p>no form</p>` : undefined),
        onTemplateError: (error, kind) => seen.push(`${kind}:${(error as Error).name}`),
      },
    });
    expect((await start(server)).status).toBe(500);
    expect(seen).toEqual(['login:PageTemplateError']);
    const logged: string[] = [];
    const original = console.error;
    console.error = (line: string) => logged.push(line);
    try {
      const quiet = makeServer({
        consent: {
          template: () => {
            throw new Error('secret-looking detail');
          },
        },
      }).server;
      expect((await start(quiet)).status).toBe(500);
    } finally {
      console.error = original;
    }
    expect(logged).toEqual([
      'mcp-auth pages: consent.template failed on the login page (Error); the built-in 500 page was sent',
    ]);
  });

  it('the CSRF field inside a second form to another target is not required; one to the action is', async () => {
    const twoForms: PageTemplate = (page, ctx) =>
      page.kind === 'login'
        ? ctx.html`<form method="get" action="/help"><button>help</button></form>
<form method="post" action="${page.form.action}">${page.form.csrfField}<input name="username"></form>`
        : undefined;
    const { server } = makeServer({ consent: { template: twoForms } });
    expect((await start(server)).status).toBe(200);
  });

  it('undefined from the template: the built-in page', async () => {
    const { server } = makeServer({ consent: { template: () => undefined } });
    const page = await start(server);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Sign in to mcp.example.test</h1>');
  });

  it('error pages go through the template too, with the code and the status', async () => {
    const { server } = makeServer({ consent: { template } });
    const page = await server.handle(get(`${ISSUER}/authorize?client_id=nope&response_type=code`));
    expect(page.status).toBe(400);
    expect(page.body).toContain('ACME error');
    expect(page.body).toContain('<code>unknown_client</code>');
  });

  it('a template can wrap the built-in content in its own frame (ctx.builtInBody, ctx.styles)', async () => {
    const wrap: PageTemplate = (_page, ctx) =>
      ctx.html`<!doctype html><html lang="${ctx.locale}"><head>${ctx.styles}</head><body><div id="shell"><main>${ctx.builtInBody}</main></div></body></html>`;
    const { server } = makeServer({ consent: { template: wrap } });
    const page = await start(server);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="shell"><main><div class="mark"');
    expect(page.body).toContain('name="csrf_token"');
  });
});

describe('the grants page (/grants) goes through the template too', () => {
  const grantsTemplate: PageTemplate = (page, ctx) => {
    if (page.kind !== 'grants') return undefined;
    const { html, t } = ctx;
    return html`<!doctype html><html lang="${ctx.locale}"><body id="my-grants">
${page.user === undefined ? html`<p id="signed-out">${t('grants.signedOut.title')}</p>` : html`<p id="user">${page.user}</p>`}
${page.grants.map(
  (g) => html`<form method="post" action="${page.form!.action}">${page.form!.csrfField}
<span class="client">${g.clientName}</span><input type="hidden" name="grant" value="${g.grantId}">
<button name="action" value="revoke">${t('grants.revoke')}</button></form>`,
)}
</body></html>`;
  };

  async function signedIn(template: PageTemplate) {
    const { server } = makeServer({
      ...hostileClients,
      consent: { ...hostileClients.consent, template },
    });
    const { url, verifier } = await authorizeParams({ client_id: 'hostile-client' });
    const page = await server.handle(get(url));
    const consent = await login(server, page);
    const done = await server.handle(
      postForm(
        `${ISSUER}/authorize/consent`,
        { ...hiddenFields(consent.body!), scope_0: 'read', decision: 'approve' },
        { cookie: cookiePair(page) },
      ),
    );
    const code = new URL(header(done, 'location')!).searchParams.get('code')!;
    const token = await server.handle(
      postForm(`${ISSUER}/token`, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id: 'hostile-client',
        code_verifier: verifier,
      }),
    );
    expect(token.status).toBe(200);
    const session = cookies(done)
      .map((c) => c.split(';', 1)[0]!)
      .find((c) => c.includes('session'));
    expect(session).toBeDefined();
    return { server, session: session! };
  }

  it('signed in: the template lists the grants (hostile client name escaped); its revoke form works', async () => {
    const { server, session } = await signedIn(grantsTemplate);
    const page = await server.handle(get(`${ISSUER}/grants`, { cookie: session }));
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="my-grants"');
    expect(page.body).toContain(
      '<span class="client">&#60;script&#62;alert(&#34;name&#34;)&#60;/script&#62;</span>',
    );
    expect(header(page, 'content-security-policy')).toContain("frame-ancestors 'none'");
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body!)![1]!;
    const grant = /name="grant" value="([^"]+)"/.exec(page.body!)![1]!;
    // A browser posting from the page itself sends `Origin: null` (the page's no-referrer
    // policy): accepted only with the CSRF token; a real other origin is refused outright.
    const noToken = await server.handle(
      postForm(
        `${ISSUER}/grants`,
        { grant, action: 'revoke' },
        { cookie: session, origin: 'null' },
      ),
    );
    expect(noToken.status).toBe(403);
    const foreign = await server.handle(
      postForm(
        `${ISSUER}/grants`,
        { csrf, grant, action: 'revoke' },
        { cookie: session, origin: 'https://evil.example' },
      ),
    );
    expect(foreign.status).toBe(403);
    const revoked = await server.handle(
      postForm(
        `${ISSUER}/grants`,
        { csrf, grant, action: 'revoke' },
        { cookie: session, origin: ISSUER },
      ),
    );
    expect(revoked.status).toBe(303);
    expect(header(revoked, 'location')).toBe('/grants?done=revoked');
    const after = await server.handle(get(`${ISSUER}/grants?done=revoked`, { cookie: session }));
    expect(after.status).toBe(200);
    expect(after.body).toContain('id="my-grants"');
    expect(after.body).not.toContain('name="grant"');
  });

  it('signed out: the template page has no form and needs none', async () => {
    const { server } = makeServer({ consent: { template: grantsTemplate } });
    const page = await server.handle(get(`${ISSUER}/grants`, { 'accept-language': 'fr' }));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<p id="signed-out">Non connecté</p>');
  });

  it('a grants template whose revoke form lacks the CSRF field → the built-in 500 page', async () => {
    const dropping: PageTemplate = (page, ctx) =>
      page.kind === 'grants' && page.form
        ? ctx.html`<form method="post" action="${page.form.action}"><button name="action" value="revoke_all">x</button></form>`
        : undefined;
    const { server, session } = await signedIn(dropping);
    const page = await server.handle(get(`${ISSUER}/grants`, { cookie: session }));
    expect(page.status).toBe(500);
    expect(page.body).not.toContain('revoke_all');
  });

  it('built-in grants page in German, branded', async () => {
    const { server } = makeServer({ consent: { branding: { name: 'Acme' } } });
    const page = await server.handle(get(`${ISSUER}/grants`, { 'accept-language': 'de' }));
    expect(page.body).toContain('<title>Nicht angemeldet · Acme</title>');
  });
});

describe('defaults are unchanged', () => {
  it('no options: English, lang="en", no script-src, the same headings', async () => {
    const { server } = makeServer();
    const page = await start(server, {}, { 'accept-language': '*' });
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('<title>Sign in</title>');
    expect(page.body).toContain('<h1>Sign in to mcp.example.test</h1>');
    expect(header(page, 'content-security-policy')).not.toContain('script-src');
    expect(header(page, 'content-security-policy')).toContain("img-src 'self' data:;");
  });
});

describe('languages: Accept-Language, force, restrict', () => {
  it('a French browser gets the French login and consent pages, lang="fr"', async () => {
    const { server } = makeServer();
    const page = await start(server, {}, { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.8' });
    expect(page.body).toContain('<html lang="fr">');
    expect(page.body).toContain('Se connecter à mcp.example.test');
    const consent = await login(server, page);
    expect(consent.body).toContain('<html lang="fr">');
    expect(consent.body).toContain('Autoriser l’accès à mcp.example.test ?');
  });

  it('a wrong password is answered in the page language', async () => {
    const { server } = makeServer();
    const page = await start(server, {}, { 'accept-language': 'de' });
    const again = await server.handle(
      postForm(
        `${ISSUER}/authorize/login`,
        { ...hiddenFields(page.body!), username: 'alice', password: 'wrong' },
        { cookie: cookiePair(page) },
      ),
    );
    expect(again.status).toBe(401);
    expect(again.body).toContain('Benutzername oder Passwort ist falsch.');
  });

  it('error pages follow the request’s Accept-Language', async () => {
    const { server } = makeServer();
    const page = await server.handle(
      get(`${ISSUER}/authorize?client_id=nope`, { 'accept-language': 'de-AT' }),
    );
    expect(page.body).toContain('<h1>Unbekannte Anwendung</h1>');
    expect(page.body).toContain('Fehlercode: <code>unknown_client</code>');
  });

  it('force and restrict', async () => {
    const forced = makeServer({ consent: { language: { force: 'de' } } }).server;
    expect((await start(forced, {}, { 'accept-language': 'fr' })).body).toContain('lang="de"');
    const english = makeServer({ consent: { language: { locales: ['en'] } } }).server;
    expect((await start(english, {}, { 'accept-language': 'fr' })).body).toContain('lang="en"');
  });

  it('scope descriptions in the page language (language.scopeDescriptions)', async () => {
    const { server } = makeServer({
      consent: {
        scopeDescriptions: { read: 'Read things' },
        language: { scopeDescriptions: { fr: { read: 'Lire « les choses »' } } },
      },
    });
    const fr = await login(server, await start(server, {}, { 'accept-language': 'fr' }));
    expect(fr.body).toContain('Lire « les choses »');
    const en = await login(server, await start(server, {}, { 'accept-language': 'en' }));
    expect(en.body).toContain('Read things');
  });

  it('a supplied dictionary overrides strings; its values are escaped', async () => {
    const { server } = makeServer({
      consent: {
        language: { messages: { en: { 'login.heading': '<i>Welcome</i> to {service}' } } },
      },
    });
    const page = await start(server);
    expect(page.body).toContain('<h1>&#60;i&#62;Welcome&#60;/i&#62; to mcp.example.test</h1>');
  });
});

describe('branding', () => {
  it('name, logo, colours and links on the built-in pages; the logo origin joins img-src', async () => {
    const { server } = makeServer({
      consent: {
        branding: {
          name: 'Acme <Corp>',
          logoUrl: 'https://cdn.acme.example/logo.png',
          colors: { accent: '#0a7f5a' },
          links: { privacy: 'https://acme.example/privacy', support: 'https://acme.example/help' },
        },
      },
    });
    const page = await start(server);
    expect(page.body).toContain('<title>Sign in · Acme &#60;Corp&#62;</title>');
    expect(page.body).toContain('<img src="https://cdn.acme.example/logo.png" alt="">');
    expect(page.body).toContain('<span>Acme &#60;Corp&#62;</span>');
    expect(page.body).toContain(':root{--accent:#0a7f5a;}');
    expect(page.body).toContain(
      '<a href="https://acme.example/privacy" rel="noopener noreferrer">Privacy</a>',
    );
    expect(header(page, 'content-security-policy')).toContain(
      "img-src 'self' data: https://cdn.acme.example;",
    );
  });

  it('hostile branding is refused when the server is created', () => {
    expect(() => makeServer({ consent: { branding: { logoUrl: 'javascript:alert(1)' } } })).toThrow(
      TypeError,
    );
    expect(() =>
      makeServer({ consent: { branding: { colors: { accent: 'red;}body{display:none' } } } }),
    ).toThrow(/CSS colour/);
    expect(() => makeServer({ consent: { template: 'x' as never } })).toThrow(
      /template must be a function/,
    );
  });
});
