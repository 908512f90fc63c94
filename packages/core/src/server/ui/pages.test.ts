/**
 * Issue 19 item 1: look-alike client identities on the consent page. The MCP authorization
 * spec's security considerations: the AS MUST clearly display the redirect URI hostname and
 * SHOULD display additional warnings for localhost-only redirect URIs.
 */
import { describe, expect, it } from 'vitest';
import { authorizeParams, get, makeServer } from '../../../test/server/helpers.js';
import { checkBranding } from './branding.js';
import { PageLanguages } from './i18n.js';
import { type ClientDisplay, consentBody, csrfField, pageClient, redirectKindOf } from './pages.js';

const ui = {
  locale: 'en',
  nonce: 'nonce',
  t: new PageLanguages().translator('en'),
  branding: checkBranding(undefined),
};

const render = (client: ClientDisplay) =>
  consentBody(
    {
      kind: 'consent',
      form: { action: '/authorize/consent', csrfField: csrfField('i', 'c') },
      client: pageClient(client),
      service: { name: 'Weather', url: 'https://mcp.example.test/mcp' },
      scopes: [],
      unavailable: [],
      user: undefined,
      upstreamNext: false,
    },
    ui,
  ).html;

describe('consent page: look-alike client identities (issue 19 item 1)', () => {
  it('a metadata-document client shows its host as the browser resolves it (punycode), prominently', () => {
    const page = render({
      name: 'Claude',
      clientId: 'https://xn--nthropic-06g.com/claude/cimd.json',
      redirectTarget: 'claude.example',
      redirectKind: 'web',
      source: 'metadata-document',
    });
    expect(page).toContain('<strong class="host"><code>xn--nthropic-06g.com</code></strong>');
  });

  it('bidi overrides and zero-width characters in the name are shown as visible markers', () => {
    const page = render({
      name: 'Cl\u200baude \u202eppa.live',
      clientId: 'https://cimd.example.com/app.json',
      redirectTarget: 'cimd.example.com',
      redirectKind: 'web',
      source: 'metadata-document',
    });
    expect(page).not.toMatch(/[\u200b\u202e]/);
    expect(page).toContain('Cl[U+200B]aude [U+202E]ppa.live');
  });

  it('a self-asserted client_name is marked as not verified; a configured client’s is not', () => {
    const base = { clientId: 'x', redirectTarget: 'app.example', redirectKind: 'web' as const };
    for (const source of ['metadata-document', 'registration'] as const) {
      expect(render({ ...base, name: 'Claude', source })).toContain('not verified');
    }
    expect(render({ ...base, name: 'Claude', source: 'static' })).not.toContain('not verified');
  });

  it('a loopback redirect shows its host and a warning; a web redirect has no warning', () => {
    const loop = render({
      name: 'Claude',
      clientId: 'https://cimd.example.com/app.json',
      redirectTarget: '127.0.0.1:7777',
      redirectKind: 'loopback',
      source: 'metadata-document',
    });
    expect(loop).toContain('<strong class="host"><code>127.0.0.1:7777</code></strong>');
    expect(loop).toMatch(/class="warn" role="note">It returns to a program on this computer/);
    const web = render({
      name: 'Claude',
      clientId: 'https://cimd.example.com/app.json',
      redirectTarget: 'claude.example',
      redirectKind: 'web',
      source: 'metadata-document',
    });
    expect(web).not.toContain('role="note"');
  });

  it('redirectKindOf: loopback names (incl. trailing dot), private-use schemes, web', () => {
    expect(redirectKindOf('http://127.0.0.1:3000/cb')).toBe('loopback');
    expect(redirectKindOf('http://localhost:3000/cb')).toBe('loopback');
    expect(redirectKindOf('http://[::1]:3000/cb')).toBe('loopback');
    expect(redirectKindOf('com.example.app:/cb')).toBe('app');
    expect(redirectKindOf('https://app.example.com/cb')).toBe('web');
  });

  it('end to end: a CIMD client with a loopback redirect gets host, unverified name and warning', async () => {
    const clientId = 'https://xn--nthropic-06g.com/claude/cimd.json';
    const { server } = makeServer({
      clientIdMetadataDocuments: {
        fetch: async () =>
          new Response(
            JSON.stringify({
              client_id: clientId,
              client_name: 'Claude\u202e',
              redirect_uris: ['http://127.0.0.1:7777/cb'],
            }),
          ),
      },
    });
    const { url } = await authorizeParams({
      client_id: clientId,
      redirect_uri: 'http://127.0.0.1:7777/cb',
    });
    const page = await server.handle(get(url));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<code>xn--nthropic-06g.com</code>');
    expect(page.body).toContain('Claude[U+202E]');
    expect(page.body).toContain('not verified');
    expect(page.body).toContain('It returns to a program on this computer');
  });
});
